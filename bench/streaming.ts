/**
 * Figures 1–3 and the surfaces: the same paced answer streamed by each contender at once, under
 * one edit bucket, measured from the fakes' records.
 */
import type { RecordedRequest } from '../test/fakes/discord.js';
import type { Contender, ContenderName } from './contenders.js';
import { bucketAllowsAt, completeAt, sampleLag, upstreamFrom, visibleAcross, type LagSamples, type Point, type Upstream } from './metrics.js';
import { answerText, pacedSteps, tokenCount, type Pace } from './reply.js';
import { askOn, type Asked, type SurfaceName } from './surfaces.js';

export interface StreamScenario {
  bucket: { limit: number; windowMs: number };
  pace: Pace;
  concurrency: number;
  /** Where the answers are asked for (default /ask). */
  surface?: SurfaceName;
  /** All the answers in one channel, sharing its bucket (default: one channel each). */
  oneChannel?: boolean;
  /** Length of the answer. */
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
  /** How many messages the answer took. */
  messages: number;
  requests: number;
  /** Requests in its buckets Discord answered with 429 (as requests, so answers sharing a bucket count them once). */
  rateLimited: RecordedRequest[];
}

export async function runStreaming(contenders: Contender[], scenario: StreamScenario, label: string): Promise<Map<ContenderName, ReplyResult[]>> {
  const answer = answerText(scenario.chars, scenario.seed);
  const streamMs = scenario.pace.firstTokenMs + (tokenCount(answer) * 1000) / scenario.pace.tokensPerSecond;
  // A window the previous scenario began runs on with its remaining requests and its length (the
  // bucket it was begun under, which may not be this scenario's): the floor assumes buckets at rest.
  const restAt = Math.max(...contenders.map((c) => c.discord.bucketsRestAt));
  if (restAt > performance.now()) await new Promise((resolve) => setTimeout(resolve, restAt - performance.now() + 5));
  for (const c of contenders) {
    c.discord.setEditBucket(scenario.bucket);
    c.openrouter.setDefault({ steps: pacedSteps(answer, scenario.pace) });
  }
  const tags = Array.from({ length: scenario.concurrency }, (_, i) => `${label}-${i}`);
  const surface = scenario.surface ?? 'ask';
  const asked = await Promise.all(
    contenders.map(async (c) =>
      Promise.all(tags.map((tag, i) => askOn(surface, c, { channel: scenario.oneChannel ? 0 : i, reader: i, tag, prompt: 'Explain how streaming replies work.', answer }))),
    ),
  );

  const results = new Map<ContenderName, ReplyResult[]>();
  await Promise.all(
    contenders.map(async (c, ci) => {
      const answers = asked[ci]!;
      // Checked on every request the fake answers, before it reads the next: following a finished
      // answer across its messages again on each (milliseconds apiece at ten answers of two
      // messages) held the fake's answers to the other replies' final edits back.
      const whole = new Set<number>();
      const finished = () =>
        answers.every((a, i) => whole.has(i) || (c.upstreamFor(tags[i]!)?.response.state === 'done' && showsAll(a, answer) && whole.add(i)));
      await c.discord.waitFor(finished, { timeoutMs: streamMs + scenario.cutoffMs, what: `${c.name} showed every answer` }).catch(() => undefined);
      // Whatever has not finished by now is cut off (an interaction's token expires, so it stops editing).
      const cutAt = performance.now();
      for (const a of answers) a.cutOff();
      results.set(
        c.name,
        answers.map((a, i) => measure(c, a, tags[i]!, cutAt)),
      );
    }),
  );
  return results;
}

/**
 * Whether the answer's messages show all of its text. Checked on every request the fakes see, so
 * the cheap test (the last message ends the answer) comes before following it across messages.
 */
function showsAll(a: Asked, answer: string): boolean {
  const messages = a.messages();
  const last = messages.at(-1)?.content ?? '';
  if (!last.includes('\n-# ') && !last.startsWith(answer)) return false;
  return completeAt(visibleAcross(messages, answer), answer.length) !== undefined;
}

/** How the answer looked, from the fakes' records, with `cutAt` ending an unfinished one. */
export function measure(c: Contender, a: Asked, tag: string, cutAt: number): ReplyResult {
  const record = c.upstreamFor(tag);
  if (!record) throw new Error(`${c.name}: no upstream request for ${tag}\n${c.process.output().slice(-2000)}`);
  const upstream = upstreamFrom(record.response.frames, record.response.frameAt);
  const visible = visibleAcross(a.messages(), upstream.text);
  const requests = a.requests();
  const first = upstream.firstToken;
  const firstEdit = first && requests.find((r) => typeof (r.json as { content?: unknown })?.content === 'string' && (r.json as { content: string }).content.includes(first.text));
  const done = completeAt(visible, upstream.text.length);
  const bucketStates = a
    .bucket()
    .filter((r) => r.method === 'PATCH' && r.answeredAt !== undefined && r.responseHeaders?.['x-ratelimit-remaining'] !== undefined)
    .map((r) => ({
      answeredAt: r.answeredAt!,
      remaining: Number(r.responseHeaders!['x-ratelimit-remaining']),
      resetAfterMs: Number(r.responseHeaders!['x-ratelimit-reset-after']) * 1000,
    }))
    .sort((x, y) => x.answeredAt - y.answeredAt);
  return {
    upstream,
    visible,
    messages: a.messages().length,
    overheadMs: first && firstEdit ? firstEdit.at - first.at : undefined,
    lag: first ? sampleLag(upstream.points, visible, first.at, done ?? cutAt) : { chars: [], ms: [] },
    finalDelayMs: done === undefined ? undefined : done - upstream.endAt,
    finalBeyondBucketMs: done === undefined ? undefined : done - bucketAllowsAt(bucketStates, upstream.endAt),
    requests: requests.length,
    rateLimited: a.bucket().filter((r) => r.status === 429),
  };
}
