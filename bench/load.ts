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
import { mean, quantile } from './stats.js';
import { measure } from './streaming.js';
import { askOn, type Asked } from './surfaces.js';

export interface LoadRow {
  streams: number;
  tokens: number;
  /** Bot process CPU seconds per 1,000 streamed tokens: the median of the timed passes. */
  cpuPer1kTokens: number;
  /** The same for a bare fetch + SSE parse. */
  bareCpuPer1kTokens: number;
  /**
   * Bot ÷ bare for each timed pass, each bot pass beside the bare pass that ran right after it:
   * the machine's speed drifts by more than 10% over a minute here, and a pair sees the same drift.
   */
  cpuRatios: number[];
  /** Live memory (heap + external, after a full GC) with every stream open, above the idle bot, per stream. */
  liveBytesPerStream: number;
  /** Peak resident memory above the idle bot, per stream: an upper bound that counts uncollected garbage. */
  rssBytesPerStream: number;
  /** Mean lag over every stream of every timed pass, and the one-stream floor of the bucket. */
  lagMsMean: number;
  floorMs: number;
  /** First token → first request carrying it, per stream. */
  overheadMs: number[];
  /** Upstream end → all of the text shown, per stream. */
  finalMs: number[];
  rateLimited: number;
  /** Requests each reply made to Discord (every edit costs the bot CPU that the bare parse doesn't spend). */
  requestsPerReply: number[];
  /** From the first /ask to the last final message, per timed pass (the longest). */
  wallSeconds: number;
}

const BUCKET = { limit: 5, windowMs: 5000 };

const median = (xs: number[]) => quantile(xs, 0.5);

const bareScript = fileURLToPath(new URL('./bare-parse.ts', import.meta.url));

/**
 * Runs each level on a bot process of its own (built, as operators run it), with fakes of its own, so no level inherits the one
 * before (its records, its forced collections). Each level runs once untimed on both sides, so that
 * neither pays for compiling its hot code in a timed pass, then `repeats` timed passes of the bot,
 * each followed by one of the bare parse, then the pass that reads live memory.
 */
export async function runLoad(levels: number[], opts: { pace: Pace; chars: number; repeats: number }): Promise<LoadRow[]> {
  const answer = answerText(opts.chars, 7);
  const rows: LoadRow[] = [];
  for (const streams of levels) {
    const bot = await startContender('bot', { channels: streams, editBucket: BUCKET, nodeArgs: ['--inspect=127.0.0.1:0'], built: true });
    try {
      const inspector = inspectorUrl(bot.process.output());
      if (!inspector) throw new Error(`the bot printed no inspector address:\n${bot.process.output()}`);
      // The model list and the store are ready before the level begins.
      bot.openrouter.reply({ steps: pacedSteps(answerText(200, 3), { firstTokenMs: 0, tokensPerSecond: 1000 }) });
      const warm = await bot.ask(0, 'warm', 'warm up');
      await bot.discord.waitFor(() => warm.original()?.content.includes('\n-# '), { timeoutMs: 30_000, what: 'warm-up answer' });
      rows.push(await level(bot, inspector, streams, answer, opts.pace, opts.repeats));
    } finally {
      await bot.stop();
    }
  }
  return rows;
}

interface Pass {
  cpuSeconds: number;
  replies: ReturnType<typeof measure>[];
  wallSeconds: number;
}

async function level(bot: Contender, inspector: string, streams: number, answer: string, pace: Pace, repeats: number): Promise<LoadRow> {
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
  const done = (a: Asked) => a.messages().at(-1)?.content.includes('\n-# ') ?? false;
  const finished = (asked: Asked[], tags: string[]) =>
    bot.discord.waitFor(() => asked.every(done), { timeoutMs: 180_000, what: `${streams} final answers` }).catch((error: unknown) => {
      const unfinished = asked.flatMap((a, i) => (done(a) ? [] : [`${tags[i]}: ${a.messages().length} messages, last ends ${JSON.stringify(a.messages().at(-1)?.content.slice(-80))}`]));
      throw new Error(`${unfinished.length} of ${streams} answers unfinished:\n${unfinished.slice(0, 5).join('\n')}\nthe bot's last output:\n${bot.process.output().slice(-3000)}`, { cause: error });
    });
  // CPU and freshness, on a pass the benchmark leaves alone.
  const timedPass = async (n: number): Promise<Pass> => {
    const cpu0 = cpuSeconds(bot.pid);
    const started = performance.now();
    const timed = askAll(`cpu${n}`);
    const asked = await timed.asked;
    await finished(asked, timed.tags);
    const cutAt = performance.now();
    return { cpuSeconds: cpuSeconds(bot.pid) - cpu0, replies: asked.map((a, i) => measure(bot, a, timed.tags[i]!, cutAt)), wallSeconds: (cutAt - started) / 1000 };
  };

  const bare = await BareParse.start(streams, answer, pace);
  try {
    const warm = askAll('warm');
    await finished(await warm.asked, warm.tags);
    await bare.pass();
    const idle = rssBytes(bot.pid);
    const peak = watchRss(bot.pid);
    const passes: Pass[] = [];
    const bareCpu: number[] = [];
    for (let n = 0; n < repeats; n++) {
      passes.push(await timedPass(n));
      bareCpu.push(await bare.pass());
    }
    const rss = peak.stop();

    // Live memory, on a pass of its own: reading it forces full collections, which cost CPU beyond
    // their own (the compiled code they discard is compiled again), so none falls in a timed pass.
    const idleLive = await liveBytes(inspector);
    const begun = chatsAfter(bot.openrouter);
    const memory = askAll('memory');
    const counted = await memory.asked;
    // Read once the last stream has begun: the first may have ended by then (on a slow machine, at
    // 500), so per stream open then.
    await bot.openrouter.waitFor(() => begun() >= streams, { timeoutMs: 60_000, what: `${streams} streams begun` });
    const open = bot.openrouter.streamsOpen();
    const live = await liveBytes(inspector);
    await finished(counted, memory.tags);

    const botCpu = passes.map((p) => p.cpuSeconds / (tokens / 1000));
    const replies = passes.flatMap((p) => p.replies);
    return {
      streams,
      tokens,
      cpuPer1kTokens: median(botCpu),
      bareCpuPer1kTokens: median(bareCpu),
      cpuRatios: botCpu.map((c, i) => c / bareCpu[i]!),
      liveBytesPerStream: (live - idleLive) / open,
      rssBytesPerStream: (rss - idle) / streams,
      lagMsMean: mean(replies.flatMap((r) => r.lag.ms)),
      floorMs: floorLagMs(BUCKET),
      overheadMs: replies.flatMap((r) => (r.overheadMs === undefined ? [] : [r.overheadMs])),
      finalMs: replies.flatMap((r) => (r.finalDelayMs === undefined ? [] : [r.finalDelayMs])),
      rateLimited: new Set(replies.flatMap((r) => r.rateLimited)).size,
      requestsPerReply: replies.map((r) => r.requests),
      wallSeconds: Math.max(...passes.map((p) => p.wallSeconds)),
    };
  } finally {
    await bare.stop();
  }
}

/**
 * Counts the chat requests that arrive from now on, reading each record once: the wait re-checks on
 * every frame the fake writes, and filtering every record of the level each time (thousands, at
 * 500 streams) starved the fake sharing this process, so the streams it waited for began late.
 */
function chatsAfter(openrouter: FakeOpenRouter): () => number {
  let read = openrouter.requests.length;
  let chats = 0;
  return () => {
    for (; read < openrouter.requests.length; read++) if (openrouter.isChat(openrouter.requests[read]!)) chats++;
    return chats;
  };
}

/** The bare parse's process and its own fake OpenRouter: one pass of the level per `pass()`. */
class BareParse {
  private passes = 0;

  private constructor(
    private readonly openrouter: FakeOpenRouter,
    private readonly proc: ReturnType<typeof spawnBot>,
    private readonly tokens: number,
  ) {}

  static async start(streams: number, answer: string, pace: Pace): Promise<BareParse> {
    const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
    openrouter.reply({ steps: pacedSteps(answerText(200, 3), { firstTokenMs: 0, tokensPerSecond: 1000 }) });
    openrouter.setDefault({ steps: pacedSteps(answer, pace) });
    const proc = spawnBot({ OPENROUTER_BASE_URL: openrouter.baseUrl, OPENROUTER_API_KEY: OPENROUTER_KEY, CHAT_MODEL, STREAMS: String(streams) }, { script: bareScript });
    const bare = new BareParse(openrouter, proc, streams * tokenCount(answer));
    try {
      await proc.printed(/ready/, 30_000);
    } catch (error) {
      await bare.stop();
      throw error;
    }
    return bare;
  }

  /** Runs every stream once; CPU seconds per 1,000 tokens. */
  async pass(): Promise<number> {
    const n = ++this.passes;
    const pid = this.proc.child.pid!;
    const cpu0 = cpuSeconds(pid);
    this.proc.child.kill('SIGUSR2');
    const counted = Number((await this.proc.printed(new RegExp(`done ${n} (\\d+)`), 120_000))[1]);
    if (counted !== this.tokens) throw new Error(`bare parse counted ${counted} tokens of ${this.tokens}`);
    return (cpuSeconds(pid) - cpu0) / (this.tokens / 1000);
  }

  async stop(): Promise<void> {
    this.proc.cleanup();
    await this.proc.exited;
    await this.openrouter.stop();
  }
}

