/** The benchmark's markdown report. */
import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import { CONTENDER_LABEL, type ContenderName } from './contenders.js';
import type { HistoryRow } from './history.js';
import type { ImageBatchRun, ImageRun } from './images.js';
import type { LoadRow } from './load.js';
import { SCALE_LAG_TARGET, sustained, type ScaleRow } from './scale.js';
import { floorLagMs } from './metrics.js';
import type { Pace } from './reply.js';
import { mean, quantile, summarize } from './stats.js';
import type { ReplyResult } from './streaming.js';
import { SURFACE_LABEL, type SurfaceName } from './surfaces.js';

/** Which part of the benchmark a streaming row belongs to. */
export type StreamingGroup = 'contenders' | 'surfaces' | 'one-channel';

export interface StreamingRow {
  group: StreamingGroup;
  label: string;
  contender: ContenderName;
  surface: SurfaceName;
  bucket: { limit: number; windowMs: number };
  pace: Pace;
  concurrency: number;
  /** All the answers in one channel, sharing its bucket. */
  oneChannel: boolean;
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
  /** The answer trailing most: its own mean lag ÷ the floor. */
  worstLagRatio: number;
  /** Messages each answer took. */
  messages: number[];
}

export function figures(row: StreamingRow): StreamFigures {
  const lagMs = row.replies.flatMap((r) => r.lag.ms);
  const lagChars = row.replies.flatMap((r) => r.lag.chars);
  // Answers sharing a bucket share its edits: each one's fair floor is the floor times their number.
  const floorMs = floorLagMs(row.bucket) * (row.oneChannel ? row.concurrency : 1);
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
    rateLimited: new Set(row.replies.flatMap((r) => r.rateLimited)).size,
    worstLagRatio: Math.max(...row.replies.map((r) => mean(r.lag.ms) / floorMs)),
    messages: row.replies.map((r) => r.messages),
  };
}

export interface ReportInput {
  mode: string;
  /** How long a contender was given after the stream ended before being cut off. */
  cutoffMs: number;
  seconds: number;
  streaming: StreamingRow[];
  load: LoadRow[];
  scale: ScaleRow[];
  images: ImageRun[];
  imageBatch: ImageBatchRun[];
  history: HistoryRow[];
  /** Start-to-ready of each measured restart, ms. */
  startup: number[];
  chart: string | undefined;
}

const met = (ok: boolean) => (ok ? '✅' : '❌');

/** The whole report; a part that did not run (`--only`) is left out, with its targets. */
export function renderReport(r: ReportInput): string {
  const cpu = cpus();
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  const group = (g: StreamingGroup) => r.streaming.filter((s) => s.group === g);
  push(
    '# Benchmark results',
    '',
    `${r.mode} mode, ${new Date().toISOString().slice(0, 10)}, ${f0(r.seconds)} s. Machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, ${f0(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}; load average ${loadavg().map(f1).join(' / ')} (1 / 5 / 15 min) when it ended.`,
    '',
    'Each contender (the bot and the two baselines in `bench/baseline-bot.ts`) runs as its own process against its own fake Discord and fake OpenRouter from `test/fakes/`, which run in the benchmark’s process and record every request and SSE frame on one clock. The upstream answer is the same for all of them, streamed in 4-character tokens. The fake counts requests as Discord does: edits per channel (or per interaction token), sends apart, and the global 50/s on every route but the interaction endpoints.',
    '',
    'Definitions: **overhead** = first upstream token written → first request carrying it arrives at Discord. **Lag** is sampled every 10 ms from the first token until the reply shows all of the text (across all its messages): in characters (upstream text not yet visible) and in ms (age of the oldest character not yet visible). **Floor** = the least mean lag any client can have under the bucket: at its sustained rate an edit can go every window/limit ms, and text arriving steadily waits half of that (500 ms for 5 edits / 5 s, 200 ms for 5 / 2 s; in characters, that time × the upstream’s pace); N answers sharing one bucket have N times that each (their **fair share**). **Final** = upstream stream ended → the edit showing all of the text applied; **after bucket** = the part of it after the bucket allowed an edit (Discord’s own rate-limit headers say when).',
    '',
  );

  push('## Targets', '');
  push('| target | measured | met |', '|---|---|---|');
  for (const row of group('contenders').filter((s) => s.contender === 'bot' && s.pace.tokensPerSecond === 60)) {
    const f = figures(row);
    push(`| mean lag ≤ 1.2× floor, ${row.label} | ${f2(f.lagMsMean / f.floorMs)}× (ms), ${f2(f.lagCharsMean / f.floorChars)}× (chars) | ${met(f.lagMsMean / f.floorMs <= 1.2)} |`);
  }
  for (const row of group('surfaces')) {
    const f = figures(row);
    push(`| mean lag ≤ 1.05× floor, ${SURFACE_LABEL[row.surface]}, ${row.label} | ${f2(f.lagMsMean / f.floorMs)}× | ${met(f.lagMsMean / f.floorMs <= 1.05)} |`);
  }
  for (const row of group('one-channel')) {
    const f = figures(row);
    const complete = row.replies.length - f.cutOff;
    push(`| ${row.concurrency} answers in one channel: each within 1.2× its fair share, all complete, ${row.label} | worst ${f2(f.worstLagRatio)}×, ${complete} of ${row.replies.length} complete | ${met(f.worstLagRatio <= 1.2 && f.cutOff === 0)} |`);
  }
  const allBot = r.streaming.filter((s) => s.contender === 'bot').map(figures);
  if (allBot.length) {
    // In one channel, a bucket that has room may rightly go to another answer first (figure 9).
    const beyond = r.streaming.filter((s) => s.contender === 'bot' && !s.oneChannel).flatMap((s) => figures(s).beyondBucket);
    push(`| final text ≤ 50 ms after the upstream ends (bucket permitting), every answer with a bucket of its own | after bucket: median ${f0(summarize(beyond).median)} ms, p95 ${f0(summarize(beyond).p95)} ms | ${summarize(beyond).p95 <= 50 ? '✅' : summarize(beyond).median <= 50 ? '⚠️ median only' : '❌'} |`);
    const tens = r.streaming.filter((s) => s.contender === 'bot' && s.concurrency === 10 && !s.oneChannel).flatMap((s) => figures(s).beyondBucket);
    if (tens.length) push(`| final text ≤ 50 ms p95 after the bucket allows, 10 concurrent replies | ${f0(summarize(tens).p95)} ms | ${met(summarize(tens).p95 <= 50)} |`);
    const rl = allBot.reduce((n, f) => n + f.rateLimited, 0);
    push(`| no 429s | ${rl} | ${met(rl === 0)} |`);
    const single = r.streaming.filter((s) => s.contender === 'bot' && s.concurrency === 1 && s.surface === 'ask').flatMap((s) => figures(s).overhead);
    if (single.length) push(`| first token → first edit ≤ 5 ms median (1 /ask reply at a time) | ${f1(summarize(single).median)} ms | ${met(summarize(single).median <= 5)} |`);
  }
  for (const l of r.load.filter((x) => x.streams === 100 || x.streams === 200)) {
    push(`| mean lag ≤ 1.1× the floor, ${l.streams} streams in one process | ${f2(l.lagMsMean / l.floorMs)}× | ${met(l.lagMsMean / l.floorMs <= 1.1)} |`);
  }
  for (const l of r.load.filter((x) => x.streams >= 100)) {
    const cap = l.streams >= 500 ? 1.5 : 2;
    const ratio = quantile(l.cpuRatios, 0.5);
    push(`| CPU ≤ ${cap}× bare parse per 1,000 tokens, ${l.streams} streams | ${f2(ratio)}×${l.cpuRatios.length > 1 ? ` (median of ${l.cpuRatios.length} passes)` : ''} | ${met(ratio <= cap)} |`);
    push(`| ≤ 100 KB per concurrent stream, ${l.streams} streams | ${f0(l.liveBytesPerStream / 1024)} KB live | ${met(l.liveBytesPerStream <= 100 * 1024)} |`);
  }
  if (r.startup.length) {
    const ready = summarize(r.startup);
    push(`| npm start to ready ≤ 3 s with nothing changed (median) | ${f2(ready.median / 1000)} s | ${met(ready.median <= 3000)} |`);
  }
  push('', 'CPU and memory targets are judged at 100+ streams, where per-stream costs dominate; below that, fixed per-process costs (timers, the gateway, the first request on a connection) are spread over few tokens. All levels are in the load table.', '');

  if (group('contenders').length) renderContenders(push, group('contenders'), r);
  if (group('surfaces').length) renderSurfaces(push, group('surfaces'), r.cutoffMs);
  if (group('one-channel').length) renderOneChannel(push, group('one-channel'));
  if (r.load.length) renderLoad(push, r.load);
  if (r.scale.length) renderScale(push, r.scale);
  if (r.images.length) {
    push('## Images (figure 5)', '', `A ${f2((r.images[0]?.imageBytes ?? 0) / 2 ** 20)} MiB PNG (random pixels) streamed by /imagine as one SSE event, to the upload request answered by Discord; peak resident memory of the bot above idle (VmHWM). ${r.images.length} runs after a warm-up.`, '');
    push('| time ms (median / p95) | peak MB above idle (median / p95) |', '|---|---|');
    push(`| ${medP95(r.images.map((i) => i.ms))} | ${medP95(r.images.map((i) => i.peakBytesAboveIdle / 2 ** 20), f1)} |`, '');
  }
  if (r.imageBatch.length) {
    const batch = r.imageBatch[0];
    push('## Four 2K images (figure 5b)', '', `An Image API /imagine with count:4 at 2K: ${batch?.images ?? 4} PNGs of ${batch?.side ?? 2048}×${batch?.side ?? 2048} (${f1((batch?.totalBytes ?? 0) / 2 ** 20)} MiB together), one \`image_generation.completed\` event each, from the last of them to the upload request (all four files, one message) answered by Discord; peak resident memory of the bot above what it held when the events began. ${r.imageBatch.length} runs after a warm-up.`, '');
    push('| time ms (median / p95) | peak MB above that (median / p95) |', '|---|---|');
    push(`| ${medP95(r.imageBatch.map((i) => i.ms))} | ${medP95(r.imageBatch.map((i) => i.peakBytesAboveIdle / 2 ** 20), f1)} |`, '');
  }
  if (r.history.length) {
    push('## History (figure 6)', '', 'A channel with N stored turns (user ~300 characters, assistant ~1,500): one load and one save of two turns, as the bot does per turn. Milliseconds, median / p95.', '');
    push('| store | stored turns | load | save | per turn |', '|---|---|---|---|---|');
    for (const h of r.history) {
      push(`| ${h.store} | ${h.storedTurns} | ${f2(h.load.median)} / ${f2(h.load.p95)} | ${f2(h.save.median)} / ${f2(h.save.p95)} | ${f2(h.turn.median)} / ${f2(h.turn.p95)} |`);
    }
    push('');
  }
  if (r.startup.length) push(...renderStartup(r.startup), '');
  return lines.join('\n');
}

type Push = (...l: string[]) => void;

/** A Markdown table of one line per row, and the blank line after it. */
function table<T>(push: Push, columns: readonly string[], rows: readonly T[], cells: (row: T) => readonly (string | number)[]): void {
  push(`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${cells(row).join(' | ')} |`), '');
}

const cutOffNote = (f: StreamFigures, replies: number, cutoffMs: number) => {
  const final = f.final.length ? medP95(f.final) : '';
  return f.cutOff ? `${final ? `${final}; ` : ''}${f.cutOff} of ${replies} not finished ${cutoffMs / 1000} s after the stream` : final;
};

function renderContenders(push: Push, rows: StreamingRow[], r: ReportInput): void {
  push('## Streaming: overhead, freshness, requests (figures 1–3)', '', '/ask, one answer per channel, answers of one message.', '');
  push(
    '| scenario | contender | overhead ms (median / p95) | lag ms mean (median / p95) | lag chars mean (median / p95) | mean lag ÷ floor | final ms (median / p95) | after bucket ms (median / p95) | requests per reply (median) | 429s |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of rows) {
    const f = figures(row);
    push(
      `| ${row.label} (floor ${f0(f.floorMs)} ms, ${f0(f.floorChars)} chars) | ${CONTENDER_LABEL[row.contender]} | ${medP95(f.overhead, f1)} | ${f0(f.lagMsMean)} (${medP95(f.lagMs)}) | ${f0(f.lagCharsMean)} (${medP95(f.lagChars)}) | ${f2(f.lagMsMean / f.floorMs)}× | ${cutOffNote(f, row.replies.length, r.cutoffMs)} | ${f.beyondBucket.length ? medP95(f.beyondBucket) : '–'} | ${f0(summarize(f.requests).median)} | ${f.rateLimited} |`,
    );
  }
  push('', 'A contender cut off before showing everything has its lag sampled only until the cut-off, so its figures are lower bounds.', '');

  push('### The bot beside the baselines', '', '| scenario | mean lag: per-chunk ÷ bot | mean lag: per-second ÷ bot | final: per-second ÷ bot (medians) |', '|---|---|---|---|');
  for (const label of [...new Set(rows.map((s) => s.label))]) {
    const of = (c: ContenderName) => figures(rows.find((s) => s.label === label && s.contender === c)!);
    const bot = of('bot');
    const chunk = of('per-chunk');
    const second = of('per-second');
    push(`| ${label} | ≥ ${f1(chunk.lagMsMean / bot.lagMsMean)}× | ${f1(second.lagMsMean / bot.lagMsMean)}× | ${f1(summarize(second.final).median / Math.max(1, summarize(bot.final).median))}× |`);
  }
  push('');
  if (r.chart) push(`![Visible characters over time](${r.chart})`, '');
}

function renderSurfaces(push: Push, rows: StreamingRow[], cutoffMs: number): void {
  push(
    '## Every surface (figure 8)',
    '',
    'The bot alone (the baselines answer only /ask, in one message): /ask; a mention, answered as a reply; each of them running into a follow-up message (answers past 2,000 characters); and /ask whose interaction expires once its first words show, so the answer continues as channel messages (what happens past Discord’s 15 minutes). One answer per channel; lag is over the whole reply, across its messages.',
    '',
  );
  table(push, ['surface', 'scenario (floor)', 'messages', 'overhead ms (median)', 'lag ms mean (median / p95)', 'mean lag ÷ floor', 'final ms (median / p95)', 'after bucket ms (median / p95)', 'requests per reply (median)', '429s'], rows, (row) => {
    const f = figures(row);
    return [SURFACE_LABEL[row.surface], `${row.label} (${f0(f.floorMs)} ms)`, f0(summarize(f.messages).median), f1(summarize(f.overhead).median), `${f0(f.lagMsMean)} (${medP95(f.lagMs)})`, `${f2(f.lagMsMean / f.floorMs)}×`, cutOffNote(f, row.replies.length, cutoffMs), f.beyondBucket.length ? medP95(f.beyondBucket) : '–', f0(summarize(f.requests).median), f.rateLimited];
  });
}

function renderOneChannel(push: Push, rows: StreamingRow[]): void {
  push(
    '## Several answers in one channel (figure 9)',
    '',
    'N mentions in one channel, by N readers, at once: their replies share the channel’s message bucket, so each one’s floor is its fair share, N times the one-answer floor. Their final texts all wait for that bucket, so they are given one bucket window more than a lone answer before they count as not finished; when the window has fewer requests left than answers with news, they go to the answers whose readers have seen nothing new for longest, so **after bucket** counts the time an answer’s final text waited while the bucket served a staler one. In full mode each scenario runs three times; the worst answer is the worst of all of them.',
    '',
  );
  table(push, ['answers', 'scenario', 'fair share ms', 'mean lag ms, all answers', 'mean lag ÷ fair share (all / worst answer)', 'final ms (median / p95)', 'after bucket ms (median / p95)', 'complete', '429s'], rows, (row) => {
    const f = figures(row);
    return [row.concurrency, row.label, f0(f.floorMs), f0(f.lagMsMean), `${f2(f.lagMsMean / f.floorMs)}× / ${f2(f.worstLagRatio)}×`, f.final.length ? medP95(f.final) : '–', f.beyondBucket.length ? medP95(f.beyondBucket) : '–', `${row.replies.length - f.cutOff} of ${row.replies.length}`, f.rateLimited];
  });
}

function renderLoad(push: Push, load: LoadRow[]): void {
  const n = load[0]?.cpuRatios.length ?? 1;
  const passes = n === 1 ? 'once' : `${n} times`;
  push('## Load (figure 4)', '', `One bot process (built, as \`npm start\` runs it; a new one for each level, with fakes of its own), N concurrent /ask streams in distinct channels (60 tokens/s each, arrivals over 0.5 s), bucket 5 / 5 s. CPU is the process’s user + system time from /proc over a timed pass of the level, every thread, per 1,000 streamed tokens. **Live** memory = heap + external after a full GC once the level’s last stream has begun, above the idle bot, per stream then open (the first may have ended), read on a run of its own after the timed ones: the forced collections cost CPU after them too (the compiled code they discard is compiled again), so the CPU is read on a run without them; **RSS** = peak resident above idle, per stream (counts garbage not yet collected). **Bare** = a process that only fetches and parses the same streams (\`bench/bare-parse.ts\`). Both run each level once untimed first, so neither compiles its hot code again in a timed pass (the previous level’s forced collections discard compiled code). Then each level is timed ${passes}, each bot pass followed by a bare one; the CPU figures are the medians of the passes, and **bot ÷ bare** is the median of each pair’s ratio${passes === 'once' ? '' : ' (their range in brackets)'}: the machine’s speed drifts between passes by more than 10%, and the two passes of a pair see the same drift. Lag, first text and final text as in figures 1–3, over every stream of the timed passes; the floor is the one-stream floor (500 ms).`, '');
  table(push, ['streams', 'tokens', 'bot CPU s / 1k tokens', 'bare CPU s / 1k tokens', 'bot ÷ bare', 'live KB / stream', 'RSS KB / stream', 'mean lag ÷ floor', 'first text ms (median / p95)', 'final ms (median / p95)', 'requests per reply (median)', '429s', 'wall s'], load, (l) => [
    l.streams,
    l.tokens,
    f2(l.cpuPer1kTokens),
    f2(l.bareCpuPer1kTokens),
    cpuRatios(l.cpuRatios),
    f0(l.liveBytesPerStream / 1024),
    f0(l.rssBytesPerStream / 1024),
    `${f2(l.lagMsMean / l.floorMs)}×`,
    medP95(l.overheadMs),
    medP95(l.finalMs),
    f0(summarize(l.requestsPerReply).median),
    l.rateLimited,
    f1(l.wallSeconds),
  ]);
  push('CPU time comes from /proc in 10 ms ticks: at 1 and 10 streams the figures are coarse.', '');
}

/** The median of the passes' ratios, and their range when there were several. */
function cpuRatios(ratios: number[]): string {
  const median = `${f2(quantile(ratios, 0.5))}×`;
  return ratios.length > 1 ? `${median} (${f2(Math.min(...ratios))}–${f2(Math.max(...ratios))})` : median;
}

function renderScale(push: Push, rows: ScaleRow[]): void {
  const seconds = rows[0]!.seconds;
  push(
    '## Scale (figure 4b)',
    '',
    `The bot started as operators start it (\`npm start\`, the build) with \`SHARD_COUNT\` = 1, 2 and 4 (discord.js’s ShardingManager, one process per shard) on the real Redis, against one fake Discord with a guild on each shard: /ask answers (60 tokens/s, as in figure 4) asked for at a steady rate for ${seconds} s, spread over the guilds in turn, each in a channel of its own. **Sustained** = every answer finished, no 429, mean lag within ${SCALE_LAG_TARGET}× of the one-stream floor (500 ms). CPU is each shard process’s user + system time per second of the level (the manager process does nothing while they run), and the benchmark’s own process, which runs both fakes, beside it; memory is each shard process’s resident set, before the level and at its peak. The fakes and the benchmark share the machine’s cores with the shards, so past the cores’ worth of work more processes only divide it.`,
    '',
  );
  table(
    push,
    ['shard processes', 'answers/s asked', 'answers', 'most streaming at once', 'mean lag ÷ floor', 'final ms (median / p95)', '429s', 'unfinished', 'CPU s/s per shard (mean / most)', 'fakes’ CPU s/s', 'RSS MB per shard (idle / peak)', 'sustained'],
    rows,
    (x) => [x.shards, x.rate, x.answers, x.peakStreams, `${f2(x.lagMsMean / x.floorMs)}×`, x.finalMs.length ? medP95(x.finalMs) : '–', x.rateLimited, x.unfinished, `${f2(x.cpuPerShard)} / ${f2(x.cpuMaxShard)}`, f2(x.harnessCpu), `${f0(x.idleRssMb)} / ${f0(x.peakRssMb)}`, met(sustained(x))],
  );
  table(push, ['shard processes', 'answers/s sustained (of the rates tried)', 'RSS MB per shard at that rate (peak)'], [...new Set(rows.map((x) => x.shards))], (shards) => {
    const best = rows.filter((x) => x.shards === shards && sustained(x)).at(-1);
    return [shards, best ? best.rate : `under ${rows.find((x) => x.shards === shards)!.rate}`, best ? f0(best.peakRssMb) : '–'];
  });
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
