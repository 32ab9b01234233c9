/**
 * Figures 1–3: the same paced answer streamed by each contender at once, under one edit bucket,
 * measured from the fakes' records.
 */
import type { FakeInteraction } from '../test/fakes/discord.js';
import type { Contender, ContenderName } from './contenders.js';
import { bucketAllowsAt, completeAt, sampleLag, upstreamFrom, visibleFrom, type LagSamples, type Point, type Upstream } from './metrics.js';
import { answerText, pacedSteps, tokenCount, type Pace } from './reply.js';

export interface StreamScenario {
  bucket: { limit: number; windowMs: number };
  pace: Pace;
  concurrency: number;
  /** Length of the answer (it fits one Discord message). */
  chars: number;
  /** How long after the upstream ends a contender that has not shown everything is given before it is cut off. */
  cutoffMs: number;
  seed: number;
}

export interface ReplyResult {
  upstream: Upstream;
  visible: Point[];
  /** First upstream token written → first edit request carrying it arriving. */
  overheadMs: number | undefined;
  lag: LagSamples;
  /** Upstream end → the edit showing all of the text applied (undefined: cut off first). */
  finalDelayMs: number | undefined;
  /** The part of finalDelayMs after the bucket allowed an edit. */
  finalBeyondBucketMs: number | undefined;
  requests: number;
  rateLimited: number;
}

export async function runStreaming(contenders: Contender[], scenario: StreamScenario, label: string): Promise<Map<ContenderName, ReplyResult[]>> {
  const answer = answerText(scenario.chars, scenario.seed);
  const streamMs = scenario.pace.firstTokenMs + (tokenCount(answer) * 1000) / scenario.pace.tokensPerSecond;
  for (const c of contenders) {
    c.discord.setEditBucket(scenario.bucket);
    c.openrouter.setDefault({ steps: pacedSteps(answer, scenario.pace) });
  }
  const tags = Array.from({ length: scenario.concurrency }, (_, i) => `${label}-${i}`);
  const asked = await Promise.all(contenders.map(async (c) => Promise.all(tags.map((tag, i) => c.ask(i, tag, 'Explain how streaming replies work.')))));

  const results = new Map<ContenderName, ReplyResult[]>();
  await Promise.all(
    contenders.map(async (c, ci) => {
      const interactions = asked[ci]!;
      const finished = () =>
        interactions.every((inter, i) => {
          const up = c.upstreamFor(tags[i]!);
          const original = inter.original();
          return up?.response.state === 'done' && original && original.content.startsWith(answer);
        });
      await c.discord.waitFor(finished, { timeoutMs: streamMs + scenario.cutoffMs, what: `${c.name} showed every answer` }).catch(() => undefined);
      // Whatever has not finished by now is cut off: its token expires, so it stops editing.
      const cutAt = performance.now();
      for (const inter of interactions) c.discord.expireInteractionToken(inter.id);
      results.set(
        c.name,
        interactions.map((inter, i) => measure(c, inter, tags[i]!, cutAt)),
      );
    }),
  );
  return results;
}

function measure(c: Contender, inter: FakeInteraction, tag: string, cutAt: number): ReplyResult {
  const record = c.upstreamFor(tag);
  if (!record) throw new Error(`${c.name}: no upstream request for ${tag}\n${c.process.output().slice(-2000)}`);
  const upstream = upstreamFrom(record.response.frames, record.response.frameAt);
  const messages = inter.all();
  if (messages.length > 1) throw new Error(`${c.name}: the answer took ${messages.length} messages; the benchmark's answers must fit one`);
  const visible = visibleFrom(messages[0]?.edits ?? [], upstream.text);
  const requests = c.discord.requests.filter((r) => r.path.includes(inter.token));
  const first = upstream.firstToken;
  const firstEdit = first && requests.find((r) => typeof (r.json as { content?: unknown })?.content === 'string' && (r.json as { content: string }).content.includes(first.text));
  const done = completeAt(visible, upstream.text.length);
  const bucketStates = requests
    .filter((r) => r.method === 'PATCH' && r.answeredAt !== undefined && r.responseHeaders?.['x-ratelimit-remaining'] !== undefined)
    .map((r) => ({
      answeredAt: r.answeredAt!,
      remaining: Number(r.responseHeaders!['x-ratelimit-remaining']),
      resetAfterMs: Number(r.responseHeaders!['x-ratelimit-reset-after']) * 1000,
    }));
  return {
    upstream,
    visible,
    overheadMs: first && firstEdit ? firstEdit.at - first.at : undefined,
    lag: first ? sampleLag(upstream.points, visible, first.at, done ?? cutAt) : { chars: [], ms: [] },
    finalDelayMs: done === undefined ? undefined : done - upstream.endAt,
    finalBeyondBucketMs: done === undefined ? undefined : done - bucketAllowsAt(bucketStates, upstream.endAt),
    requests: requests.length,
    rateLimited: requests.filter((r) => r.status === 429).length,
  };
}
