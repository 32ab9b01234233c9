/**
 * The scale figure: the bot sharded over 1, 2 and 4 processes (SHARD_COUNT, one process per shard,
 * on the real Redis) against one fake Discord with a guild on each shard. /ask answers arrive at a
 * steady rate, spread over the guilds; each level reads how fresh they stay, and each shard
 * process's CPU and memory. The rate a shard count sustains at the freshness target is the
 * highest whose answers all finish, without a 429, at a mean lag within 1.1× of the one-stream
 * floor.
 */
import { startContender, type Contender } from './contenders.js';
import { floorLagMs } from './metrics.js';
import { cpuSeconds, rssBytes, watchRss } from './proc.js';
import { answerText, pacedSteps, tokenCount, type Pace } from './reply.js';
import { mean } from './stats.js';
import { measure } from './streaming.js';
import { askOn, type Asked } from './surfaces.js';

export interface ScaleRow {
  shards: number;
  /** Answers asked for per second, over `seconds`. */
  rate: number;
  seconds: number;
  answers: number;
  /** Answers that had not shown all of their text a minute after the last was asked for. */
  unfinished: number;
  /** The most answers streaming at once. */
  peakStreams: number;
  lagMsMean: number;
  floorMs: number;
  /** Upstream end → all of the text shown, per answer. */
  finalMs: number[];
  rateLimited: number;
  /** CPU seconds per second of the level, per shard process (their mean), and the most any used. */
  cpuPerShard: number;
  cpuMaxShard: number;
  /** CPU seconds per second of the benchmark's own process, which runs both fakes. */
  harnessCpu: number;
  /** Resident memory per shard process (their mean), MB: before the level, and its peak during it. */
  idleRssMb: number;
  peakRssMb: number;
}

/** The freshness target a level must meet for its rate to count as sustained. */
export const SCALE_LAG_TARGET = 1.1;

export const sustained = (r: ScaleRow): boolean => r.unfinished === 0 && r.rateLimited === 0 && r.lagMsMean <= SCALE_LAG_TARGET * r.floorMs;

const BUCKET = { limit: 5, windowMs: 5000 };
const MB = 2 ** 20;

export async function runScale(shardCounts: number[], rates: number[], opts: { pace: Pace; chars: number; seconds: number }): Promise<ScaleRow[]> {
  const answer = answerText(opts.chars, 11);
  const answerSeconds = (opts.pace.firstTokenMs + (tokenCount(answer) * 1000) / opts.pace.tokensPerSecond) / 1000;
  // A channel per answer open at once, with room: no two answers share a channel's history.
  const channels = Math.ceil(Math.max(...rates) * (answerSeconds + 3));
  const rows: ScaleRow[] = [];
  for (const shards of shardCounts) {
    const bot = await startContender('bot', { channels, editBucket: BUCKET, shards });
    try {
      // A first answer in every guild, so no shard's first measured answer pays for start-up work.
      bot.openrouter.setDefault({ steps: pacedSteps(answerText(200, 3), { firstTokenMs: 0, tokensPerSecond: 1000 }) });
      const warm = await Promise.all(Array.from({ length: shards }, (_, s) => bot.ask(s, `scale-warm-${shards}-${s}`, 'warm up')));
      await bot.discord.waitFor(() => warm.every((w) => w.original()?.content.includes('\n-# ')), { timeoutMs: 30_000, what: 'warm-up answers' });
      let next = shards;
      for (const rate of rates) {
        const row = await level(bot, shards, rate, next, answer, opts);
        rows.push(row);
        next += Math.round(rate * opts.seconds);
        // Past the rate it keeps up with, higher ones only take longer to fail.
        if (!sustained(row)) break;
      }
    } finally {
      await bot.stop();
    }
  }
  return rows;
}

async function level(bot: Contender, shards: number, rate: number, first: number, answer: string, opts: { pace: Pace; seconds: number }): Promise<ScaleRow> {
  bot.openrouter.setDefault({ steps: pacedSteps(answer, opts.pace) });
  const pids = bot.pids();
  const count = Math.round(rate * opts.seconds);
  const tags = Array.from({ length: count }, (_, i) => `scale-${shards}-${rate}-${i}`);
  const idle = pids.map(rssBytes);
  const peaks = pids.map((pid) => watchRss(pid));
  const cpu0 = pids.map(cpuSeconds);
  const harness0 = process.cpuUsage();
  let peakStreams = 0;
  const streams = setInterval(() => (peakStreams = Math.max(peakStreams, bot.openrouter.streamsOpen())), 20);
  const started = performance.now();
  const asked = await Promise.all(
    tags.map((tag, i) =>
      new Promise((r) => setTimeout(r, (i * 1000) / rate)).then(() =>
        askOn('ask', bot, { channel: (first + i) % bot.channels.length, reader: first + i, tag, prompt: 'Explain how streaming replies work.', answer }),
      ),
    ),
  );
  const done = (a: Asked) => a.messages().at(-1)?.content.includes('\n-# ') ?? false;
  await bot.discord.waitFor(() => asked.every(done), { timeoutMs: 60_000, what: `${count} answers at ${rate}/s on ${shards} shards` }).catch(() => undefined);
  const cutAt = performance.now();
  clearInterval(streams);
  const seconds = (cutAt - started) / 1000;
  const cpu = pids.map((pid, i) => (cpuSeconds(pid) - cpu0[i]!) / seconds);
  const harness = process.cpuUsage(harness0);
  const peak = peaks.map((p) => p.stop());
  for (const a of asked) a.cutOff();
  // Overloaded, some answers' requests may not even have reached OpenRouter: those are unfinished.
  const replies = asked.flatMap((a, i) => (bot.upstreamFor(tags[i]!) ? [measure(bot, a, tags[i]!, cutAt)] : []));
  return {
    shards,
    rate,
    seconds: opts.seconds,
    answers: count,
    unfinished: asked.filter((a) => !done(a)).length,
    peakStreams,
    lagMsMean: mean(replies.flatMap((r) => r.lag.ms)),
    floorMs: floorLagMs(BUCKET),
    finalMs: replies.flatMap((r) => (r.finalDelayMs === undefined ? [] : [r.finalDelayMs])),
    rateLimited: new Set(replies.flatMap((r) => r.rateLimited)).size,
    cpuPerShard: mean(cpu),
    cpuMaxShard: Math.max(...cpu),
    harnessCpu: (harness.user + harness.system) / 1e6 / seconds,
    idleRssMb: mean(idle) / MB,
    peakRssMb: mean(peak) / MB,
  };
}
