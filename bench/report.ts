/** The benchmark's markdown report. */
import { cpus, totalmem, release, platform } from 'node:os';
import { CONTENDER_LABEL, type ContenderName } from './contenders.js';
import type { HistoryRow } from './history.js';
import type { ImageBatchRun, ImageRun } from './images.js';
import type { LoadRow } from './load.js';
import { floorLagMs } from './metrics.js';
import type { Pace } from './reply.js';
import { mean, summarize } from './stats.js';
import type { ReplyResult } from './streaming.js';

export interface StreamingRow {
  label: string;
  contender: ContenderName;
  bucket: { limit: number; windowMs: number };
  pace: Pace;
  concurrency: number;
  replies: ReplyResult[];
}

const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const medP95 = (xs: number[], fmt = f0) => {
  const s = summarize(xs);
  return `${fmt(s.median)} / ${fmt(s.p95)}`;
};

export interface StreamFigures {
  overhead: number[];
  lagMsMean: number;
  lagCharsMean: number;
  lagMs: number[];
  lagChars: number[];
  floorMs: number;
  floorChars: number;
  final: number[];
  beyondBucket: number[];
  cutOff: number;
  requests: number[];
  rateLimited: number;
}

export function figures(row: StreamingRow): StreamFigures {
  const lagMs = row.replies.flatMap((r) => r.lag.ms);
  const lagChars = row.replies.flatMap((r) => r.lag.chars);
  const floorMs = floorLagMs(row.bucket);
  // The upstream's own pace in characters per ms, over all replies of the row.
  const rate = mean(row.replies.map((r) => r.upstream.text.length / (r.upstream.endAt - (r.upstream.firstToken?.at ?? r.upstream.endAt))));
  return {
    overhead: defined(row.replies.map((r) => r.overheadMs)),
    lagMsMean: mean(lagMs),
    lagCharsMean: mean(lagChars),
    lagMs,
    lagChars,
    floorMs,
    floorChars: floorMs * rate,
    final: defined(row.replies.map((r) => r.finalDelayMs)),
    beyondBucket: defined(row.replies.map((r) => r.finalBeyondBucketMs)),
    cutOff: row.replies.filter((r) => r.finalDelayMs === undefined).length,
    requests: row.replies.map((r) => r.requests),
    rateLimited: row.replies.reduce((n, r) => n + r.rateLimited, 0),
  };
}

export function renderReport(r: {
  mode: string;
  /** How long a contender was given after the stream ended before being cut off. */
  cutoffMs: number;
  seconds: number;
  streaming: StreamingRow[];
  load: LoadRow[];
  images: ImageRun[];
  imageBatch: ImageBatchRun[];
  history: HistoryRow[];
  /** Start-to-ready of each measured restart, ms. */
  startup: number[];
  chart: string | undefined;
}): string {
  const cpu = cpus();
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    '# Benchmark results',
    '',
    `${r.mode} mode, ${new Date().toISOString().slice(0, 10)}, ${f0(r.seconds)} s. Machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, ${f0(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}.`,
    '',
    'Each contender (the bot and the two baselines in `bench/baseline-bot.ts`) runs as its own process against its own fake Discord and fake OpenRouter from `test/fakes/`, which run in the benchmark’s process and record every request and SSE frame on one clock. The upstream answer is the same for all of them, streamed in 4-character tokens. Concurrent replies start spread over one second.',
    '',
    'Definitions: **overhead** = first upstream token written → first edit request carrying it arrives at Discord. **Lag** is sampled every 10 ms from the first token until the reply shows all of the text: in characters (upstream text not yet visible) and in ms (age of the oldest character not yet visible). **Floor** = the least mean lag any client can have under the bucket: at its sustained rate an edit can go every window/limit ms, and text arriving steadily waits half of that (500 ms for 5 edits / 5 s, 200 ms for 5 / 2 s; in characters, that time × the upstream’s pace). **Final** = upstream stream ended → the edit showing all of the text applied; **after bucket** = the part of it after the bucket allowed an edit (Discord’s own rate-limit headers say when).',
    '',
  );

  push('## Targets', '');
  push('| target | measured | met |', '|---|---|---|');
  const bots = r.streaming.filter((s) => s.contender === 'bot' && s.pace.tokensPerSecond === 60);
  for (const row of bots) {
    const f = figures(row);
    push(`| mean lag ≤ 1.2× floor, ${row.label} | ${f2(f.lagMsMean / f.floorMs)}× (ms), ${f2(f.lagCharsMean / f.floorChars)}× (chars) | ${f.lagMsMean / f.floorMs <= 1.2 ? '✅' : '❌'} |`);
  }
  const allBot = r.streaming.filter((s) => s.contender === 'bot').map(figures);
  const beyond = allBot.flatMap((f) => f.beyondBucket);
  push(`| final text ≤ 50 ms after the upstream ends (bucket permitting), all scenarios | after bucket: median ${f0(summarize(beyond).median)} ms, p95 ${f0(summarize(beyond).p95)} ms | ${summarize(beyond).p95 <= 50 ? '✅' : summarize(beyond).median <= 50 ? '⚠️ median only' : '❌'} |`);
  const rl = allBot.reduce((n, f) => n + f.rateLimited, 0);
  push(`| no 429s | ${rl} | ${rl === 0 ? '✅' : '❌'} |`);
  const single = r.streaming.filter((s) => s.contender === 'bot' && s.concurrency === 1).flatMap((s) => figures(s).overhead);
  push(`| first token → first edit ≤ 5 ms median (1 reply at a time) | ${f1(summarize(single).median)} ms | ${summarize(single).median <= 5 ? '✅' : '❌'} |`);
  for (const l of r.load.filter((x) => x.streams >= 100)) {
    push(`| CPU ≤ 2× bare parse per 1,000 tokens, ${l.streams} streams | ${f2(l.cpuPer1kTokens / l.bareCpuPer1kTokens)}× | ${l.cpuPer1kTokens <= 2 * l.bareCpuPer1kTokens ? '✅' : '❌'} |`);
    push(`| ≤ 100 KB per concurrent stream, ${l.streams} streams | ${f0(l.liveBytesPerStream / 1024)} KB live | ${l.liveBytesPerStream <= 100 * 1024 ? '✅' : '❌'} |`);
  }
  const ready = summarize(r.startup);
  push(`| npm start to ready ≤ 3 s with nothing changed (median) | ${f2(ready.median / 1000)} s | ${ready.median <= 3000 ? '✅' : '❌'} |`);
  push('', 'CPU and memory targets are judged at 100+ streams, where per-stream costs dominate; below that, fixed per-process costs (timers, the gateway, the first request on a connection) are spread over few tokens. All levels are in the load table.', '');

  push('## Streaming: overhead, freshness, requests (figures 1–3)', '');
  push(
    '| scenario | contender | overhead ms (median / p95) | lag ms mean (median / p95) | lag chars mean (median / p95) | mean lag ÷ floor | final ms (median / p95) | after bucket ms (median / p95) | requests per reply (median) | 429s |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of r.streaming) {
    const f = figures(row);
    const final = f.final.length ? medP95(f.final) : '';
    const cut = f.cutOff ? `${final ? `${final}; ` : ''}${f.cutOff} of ${row.replies.length} not finished ${r.cutoffMs / 1000} s after the stream` : final;
    push(
      `| ${row.label} (floor ${f0(f.floorMs)} ms, ${f0(f.floorChars)} chars) | ${CONTENDER_LABEL[row.contender]} | ${medP95(f.overhead, f1)} | ${f0(f.lagMsMean)} (${medP95(f.lagMs)}) | ${f0(f.lagCharsMean)} (${medP95(f.lagChars)}) | ${f2(f.lagMsMean / f.floorMs)}× | ${cut} | ${f.beyondBucket.length ? medP95(f.beyondBucket) : '–'} | ${f0(summarize(f.requests).median)} | ${f.rateLimited} |`,
    );
  }
  push('', 'A contender cut off before showing everything has its lag sampled only until the cut-off, so its figures are lower bounds.', '');

  push('### The bot beside the baselines', '', '| scenario | mean lag: per-chunk ÷ bot | mean lag: per-second ÷ bot | final: per-second ÷ bot (medians) |', '|---|---|---|---|');
  for (const label of [...new Set(r.streaming.map((s) => s.label))]) {
    const of = (c: ContenderName) => figures(r.streaming.find((s) => s.label === label && s.contender === c)!);
    const bot = of('bot');
    const chunk = of('per-chunk');
    const second = of('per-second');
    push(`| ${label} | ≥ ${f1(chunk.lagMsMean / bot.lagMsMean)}× | ${f1(second.lagMsMean / bot.lagMsMean)}× | ${f1(summarize(second.final).median / Math.max(1, summarize(bot.final).median))}× |`);
  }
  push('');
  if (r.chart) push(`![Visible characters over time](${r.chart})`, '');

  push('## Load (figure 4)', '', 'One bot process, N concurrent /ask streams in distinct channels (60 tokens/s each, arrivals over 0.5 s), bucket 5 / 5 s. CPU is the process’s user + system time from /proc over the whole run (a forced GC for the memory reading is subtracted). **Live** memory = heap + external after a full GC with every stream open, above the idle bot, per stream; **RSS** = peak resident above idle, per stream (counts garbage not yet collected). **Bare** = a process that only fetches and parses the same streams (`bench/bare-parse.ts`).', '');
  push('| streams | tokens | bot CPU s / 1k tokens | bare CPU s / 1k tokens | bot ÷ bare | live KB / stream | RSS KB / stream | wall s |', '|---|---|---|---|---|---|---|---|');
  for (const l of r.load) {
    push(`| ${l.streams} | ${l.tokens} | ${f2(l.cpuPer1kTokens)} | ${f2(l.bareCpuPer1kTokens)} | ${f2(l.cpuPer1kTokens / l.bareCpuPer1kTokens)}× | ${f0(l.liveBytesPerStream / 1024)} | ${f0(l.rssBytesPerStream / 1024)} | ${f1(l.wallSeconds)} |`);
  }
  push('', 'CPU time comes from /proc in 10 ms ticks: at 1 and 10 streams the figures are coarse.', '');

  push('## Images (figure 5)', '', `A ${f2((r.images[0]?.imageBytes ?? 0) / 2 ** 20)} MiB PNG (random pixels) streamed by /imagine as one SSE event, to the upload request answered by Discord; peak resident memory of the bot above idle (VmHWM). ${r.images.length} runs after a warm-up.`, '');
  push('| time ms (median / p95) | peak MB above idle (median / p95) |', '|---|---|');
  push(`| ${medP95(r.images.map((i) => i.ms))} | ${medP95(r.images.map((i) => i.peakBytesAboveIdle / 2 ** 20), f1)} |`, '');

  const batch = r.imageBatch[0];
  push('## Four 2K images (figure 5b)', '', `An Image API /imagine with count:4 at 2K: ${batch?.images ?? 4} PNGs of ${batch?.side ?? 2048}×${batch?.side ?? 2048} (${f1((batch?.totalBytes ?? 0) / 2 ** 20)} MiB together), one \`image_generation.completed\` event each, from the last of them to the upload request (all four files, one message) answered by Discord; peak resident memory of the bot above what it held when the events began. ${r.imageBatch.length} runs after a warm-up.`, '');
  push('| time ms (median / p95) | peak MB above that (median / p95) |', '|---|---|');
  push(`| ${medP95(r.imageBatch.map((i) => i.ms))} | ${medP95(r.imageBatch.map((i) => i.peakBytesAboveIdle / 2 ** 20), f1)} |`, '');

  push('## History (figure 6)', '', 'A channel with N stored turns (user ~300 characters, assistant ~1,500): one load and one save of two turns, as the bot does per turn. Milliseconds, median / p95.', '');
  push('| store | stored turns | load | save | per turn |', '|---|---|---|---|---|');
  for (const h of r.history) {
    push(`| ${h.store} | ${h.storedTurns} | ${f2(h.load.median)} / ${f2(h.load.p95)} | ${f2(h.save.median)} / ${f2(h.save.p95)} | ${f2(h.turn.median)} / ${f2(h.turn.p95)} |`);
  }
  push('', ...renderStartup(r.startup), '');
  return lines.join('\n');
}

/** The start-up section (also printed alone by `--startup-only`). */
export function renderStartup(samples: number[]): string[] {
  const s = summarize(samples);
  return [
    '## Start-up (figure 7)',
    '',
    `The real \`npm start\` in the repository (its prestart included), with nothing changed since the last build, from the spawn to the bot’s \`bot ready\` log line (logged in to the fake Discord, commands in sync). ${s.n} restarts after one that is not counted; each is stopped with SIGTERM before the next.`,
    '',
    '| start to ready s (median / p95) | each restart s |',
    '|---|---|',
    `| ${f2(s.median / 1000)} / ${f2(s.p95 / 1000)} | ${samples.map((ms) => f2(ms / 1000)).join(', ')} |`,
  ];
}
