/**
 * Figure 4: many concurrent /ask streams in distinct channels in one bot process: how fresh they
 * stay, its CPU per 1,000 streamed tokens and memory per concurrent stream, beside a bare fetch +
 * SSE parse of the same streams.
 */
import { fileURLToPath } from 'node:url';
import { FakeOpenRouter } from '../test/fakes/openrouter.js';
import { OPENROUTER_KEY } from '../test/helpers/harness.js';
import { spawnBot } from '../test/helpers/process.js';
import { CHAT_MODEL, startContender, type Contender } from './contenders.js';
import { inspectorUrl, liveBytes } from './heap.js';
import { floorLagMs } from './metrics.js';
import { cpuSeconds, rssBytes, watchRss } from './proc.js';
import { answerText, pacedSteps, tokenCount, type Pace } from './reply.js';
import { mean } from './stats.js';
import { measure } from './streaming.js';
import { askOn, type Asked } from './surfaces.js';

export interface LoadRow {
  streams: number;
  tokens: number;
  /** Bot process CPU seconds per 1,000 streamed tokens. */
  cpuPer1kTokens: number;
  /** The same for a bare fetch + SSE parse. */
  bareCpuPer1kTokens: number;
  /** Live memory (heap + external, after a full GC) with every stream open, above the idle bot, per stream. */
  liveBytesPerStream: number;
  /** Peak resident memory above the idle bot, per stream: an upper bound that counts uncollected garbage. */
  rssBytesPerStream: number;
  /** Mean lag over every stream, and the one-stream floor of the bucket. */
  lagMsMean: number;
  floorMs: number;
  /** First token → first request carrying it, per stream. */
  overheadMs: number[];
  /** Upstream end → all of the text shown, per stream. */
  finalMs: number[];
  rateLimited: number;
  /** Requests each reply made to Discord (every edit costs the bot CPU that the bare parse doesn't spend). */
  requestsPerReply: number[];
  /** From the first /ask to the last final message. */
  wallSeconds: number;
}

const BUCKET = { limit: 5, windowMs: 5000 };

const bareScript = fileURLToPath(new URL('./bare-parse.ts', import.meta.url));

/** Runs each level in turn on one bot process (started with room for the largest). */
export async function runLoad(levels: number[], opts: { pace: Pace; chars: number }): Promise<LoadRow[]> {
  const answer = answerText(opts.chars, 7);
  const bot = await startContender('bot', { channels: Math.max(...levels), editBucket: BUCKET, nodeArgs: ['--inspect=127.0.0.1:0'] });
  const inspector = inspectorUrl(bot.process.output());
  if (!inspector) throw new Error(`the bot printed no inspector address:\n${bot.process.output()}`);
  try {
    // Warm-up: the model list, JIT and the store are ready before measuring.
    bot.openrouter.setDefault({ steps: pacedSteps(answerText(200, 3), { firstTokenMs: 0, tokensPerSecond: 1000 }) });
    const warm = await bot.ask(0, 'warm', 'warm up');
    await bot.discord.waitFor(() => warm.original()?.content.includes('\n-# '), { timeoutMs: 30_000, what: 'warm-up answer' });
    const rows: LoadRow[] = [];
    for (const streams of levels) {
      const row = await level(bot, inspector, streams, answer, opts.pace);
      rows.push({ ...row, bareCpuPer1kTokens: await bareCpu(streams, answer, opts.pace) });
    }
    return rows;
  } finally {
    await bot.stop();
  }
}

async function level(bot: Contender, inspector: string, streams: number, answer: string, pace: Pace): Promise<Omit<LoadRow, 'bareCpuPer1kTokens'>> {
  const tokens = streams * tokenCount(answer);
  bot.openrouter.setDefault({ steps: pacedSteps(answer, pace) });
  // Arrivals spread over half a second, as people's commands are, not all in one millisecond.
  const askAll = (pass: string) => {
    const tags = Array.from({ length: streams }, (_, i) => `load-${streams}-${pass}-${i}`);
    const asked = Promise.all(
      tags.map((tag, i) => new Promise((r) => setTimeout(r, (i * 500) / streams)).then(() => askOn('ask', bot, { channel: i, reader: i, tag, prompt: 'Explain how streaming replies work.', answer }))),
    );
    return { tags, asked };
  };
  const finished = (asked: Asked[]) =>
    bot.discord.waitFor(() => asked.every((a) => a.messages().at(-1)?.content.includes('\n-# ')), { timeoutMs: 180_000, what: `${streams} final answers` });

  // CPU and freshness, on a pass the benchmark leaves alone.
  const cpu0 = cpuSeconds(bot.pid);
  const idle = rssBytes(bot.pid);
  const peak = watchRss(bot.pid);
  const started = performance.now();
  const timed = askAll('cpu');
  const asked = await timed.asked;
  await finished(asked);
  const cutAt = performance.now();
  const cpu = cpuSeconds(bot.pid) - cpu0;
  const rss = peak.stop();
  const replies = asked.map((a, i) => measure(bot, a, timed.tags[i]!, cutAt));

  // Live memory, on a second pass: reading it forces full collections, which cost CPU beyond their
  // own (the compiled code they discard is compiled again), so none of them falls in the pass above.
  const idleLive = await liveBytes(inspector);
  const before = bot.openrouter.chatRecords().length;
  const counted = await askAll('memory').asked;
  // Read once the last stream has begun: the first may have ended by then (on a slow machine, at
  // 500), so per stream open then.
  await bot.openrouter.waitFor(() => bot.openrouter.chatRecords().length >= before + streams, { timeoutMs: 60_000, what: `${streams} streams begun` });
  const open = bot.openrouter.streamsOpen();
  const live = await liveBytes(inspector);
  await finished(counted);

  return {
    streams,
    tokens,
    cpuPer1kTokens: cpu / (tokens / 1000),
    liveBytesPerStream: (live - idleLive) / open,
    rssBytesPerStream: (rss - idle) / streams,
    lagMsMean: mean(replies.flatMap((r) => r.lag.ms)),
    floorMs: floorLagMs(BUCKET),
    overheadMs: replies.flatMap((r) => (r.overheadMs === undefined ? [] : [r.overheadMs])),
    finalMs: replies.flatMap((r) => (r.finalDelayMs === undefined ? [] : [r.finalDelayMs])),
    rateLimited: new Set(replies.flatMap((r) => r.rateLimited)).size,
    requestsPerReply: replies.map((r) => r.requests),
    wallSeconds: (cutAt - started) / 1000,
  };
}

async function bareCpu(streams: number, answer: string, pace: Pace): Promise<number> {
  const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
  openrouter.reply({ steps: pacedSteps(answerText(200, 3), { firstTokenMs: 0, tokensPerSecond: 1000 }) });
  openrouter.setDefault({ steps: pacedSteps(answer, pace) });
  const proc = spawnBot({ OPENROUTER_BASE_URL: openrouter.baseUrl, OPENROUTER_API_KEY: OPENROUTER_KEY, CHAT_MODEL, STREAMS: String(streams) }, { script: bareScript });
  try {
    await proc.printed(/ready/, 30_000);
    const cpu0 = cpuSeconds(proc.child.pid!);
    proc.child.kill('SIGUSR2');
    const counted = Number((await proc.printed(/done (\d+)/, 120_000))[1]);
    if (counted !== streams * tokenCount(answer)) throw new Error(`bare parse counted ${counted} tokens`);
    return (cpuSeconds(proc.child.pid!) - cpu0) / ((streams * tokenCount(answer)) / 1000);
  } finally {
    proc.cleanup();
    await proc.exited;
    await openrouter.stop();
  }
}
