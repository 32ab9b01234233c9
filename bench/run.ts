/**
 * `npm run bench` (quick, under two minutes) or `npm run bench -- --full`: runs every figure of the
 * benchmark and writes bench/results/latest.md and bench/results/stream.svg.
 * `npm run bench -- --startup-only` measures only the restarts and prints them, writing nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderStepChart } from './chart.js';
import { CONTENDER_LABEL, startContender, type Contender, type ContenderName } from './contenders.js';
import { benchHistory } from './history.js';
import { runImageBatch, runImages } from './images.js';
import { runLoad } from './load.js';
import { floorLagMs } from './metrics.js';
import { renderReport, renderStartup, type StreamingRow } from './report.js';
import { runStartup } from './startup.js';
import { runStreaming, type StreamScenario } from './streaming.js';

const full = process.argv.includes('--full');
const mode = full
  ? { name: 'full', chars: 1_900, repeats: 3, cutoffMs: 3_000, loadLevels: [1, 10, 100, 500], loadChars: 1_500, imageRuns: 5, historyIterations: 20, restarts: 10 }
  : { name: 'quick', chars: 1_500, repeats: 1, cutoffMs: 2_000, loadLevels: [1, 10, 100], loadChars: 1_500, imageRuns: 2, historyIterations: 5, restarts: 5 };

const BUCKETS = [
  { limit: 5, windowMs: 5_000 },
  { limit: 5, windowMs: 2_000 },
];
const DEFAULT_PACE = { firstTokenMs: 600, tokensPerSecond: 60 };
const FAST_PACE = { firstTokenMs: 600, tokensPerSecond: 250 };
const NAMES: ContenderName[] = ['bot', 'per-chunk', 'per-second'];

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const began = performance.now();

if (process.argv.includes('--startup-only')) {
  log(`${mode.restarts} restarts with npm start`);
  process.stdout.write(`${renderStartup(await runStartup(mode.restarts)).join('\n')}\n`);
  process.exit(0);
}

const scenarios: (Omit<StreamScenario, 'seed'> & { label: string })[] = [];
for (const pace of full ? [DEFAULT_PACE, FAST_PACE] : [DEFAULT_PACE]) {
  for (const bucket of BUCKETS) {
    for (const concurrency of [1, 10]) {
      scenarios.push({ label: `${bucket.limit}/${bucket.windowMs / 1000}s-${pace.tokensPerSecond}tps-x${concurrency}`, bucket, pace, concurrency, chars: mode.chars, cutoffMs: mode.cutoffMs });
    }
  }
}
if (!full) for (const bucket of BUCKETS) scenarios.push({ label: `${bucket.limit}/${bucket.windowMs / 1000}s-250tps-x1`, bucket, pace: FAST_PACE, concurrency: 1, chars: mode.chars, cutoffMs: mode.cutoffMs });

log(`${mode.name} mode: ${scenarios.length} streaming scenarios, load at ${mode.loadLevels.join('/')} streams`);
const contenders: Contender[] = await Promise.all(NAMES.map((name) => startContender(name, { channels: 10, editBucket: BUCKETS[0]! })));
const streaming: StreamingRow[] = [];
let chart: string | undefined;
try {
  // A short reply first, so no contender's first measured reply pays for start-up work.
  await runStreaming(contenders, { bucket: BUCKETS[0]!, pace: { firstTokenMs: 0, tokensPerSecond: 500 }, concurrency: 1, chars: 200, cutoffMs: 1_000, seed: 99 }, 'warm-up');
  let seed = 1;
  for (const scenario of scenarios) {
    for (let r = 0; r < (scenario.concurrency === 1 ? mode.repeats : 1); r++) {
      log(`streaming ${scenario.label}${mode.repeats > 1 ? ` #${r + 1}` : ''}`);
      const results = await runStreaming(contenders, { ...scenario, seed: seed++ }, `${scenario.label}-${r}`);
      for (const [name, replies] of results) {
        const row = streaming.find((s) => s.label === scenario.label && s.contender === name);
        if (row) row.replies.push(...replies);
        else streaming.push({ label: scenario.label, contender: name, bucket: scenario.bucket, pace: scenario.pace, concurrency: scenario.concurrency, replies });
      }
      if (!chart && scenario.bucket === BUCKETS[0] && scenario.pace === DEFAULT_PACE && scenario.concurrency === 1) chart = streamChart(results, scenario);
    }
  }
} finally {
  await Promise.all(contenders.map((c) => c.stop()));
}

log(`load at ${mode.loadLevels.join(', ')} concurrent streams`);
const load = await runLoad(mode.loadLevels, { pace: DEFAULT_PACE, chars: mode.loadChars });
log('images');
const images = await runImages(mode.imageRuns);
log('four 2K images');
const imageBatch = await runImageBatch(mode.imageRuns);
log('history');
const history = await benchHistory({ turnCounts: [10, 100, 1_000], iterations: mode.historyIterations, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
log(`${mode.restarts} restarts with npm start`);
const startup = await runStartup(mode.restarts);

const out = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(out, { recursive: true });
if (chart) writeFileSync(`${out}stream.svg`, chart);
const report = renderReport({ mode: mode.name, cutoffMs: mode.cutoffMs, seconds: (performance.now() - began) / 1000, streaming, load, images, imageBatch, history, startup, chart: chart ? 'stream.svg' : undefined });
writeFileSync(`${out}latest.md`, report);
log(`wrote bench/results/latest.md in ${((performance.now() - began) / 1000).toFixed(0)} s`);
process.stdout.write(report.split('\n## Load')[0]!);
process.exit(0);

/** Visible characters over time for each contender's first reply, beside the upstream text. */
function streamChart(results: Awaited<ReturnType<typeof runStreaming>>, scenario: Omit<StreamScenario, 'seed'>): string {
  const colours: Record<ContenderName, string> = { bot: '#1b7f3b', 'per-chunk': '#c0392b', 'per-second': '#2e6fd1' };
  const botReply = results.get('bot')![0]!;
  const startOf = (name: ContenderName) => results.get(name)![0]!.upstream.points[0]!.at - scenario.pace.firstTokenMs;
  const series = [
    { name: 'upstream (model output)', color: '#888888', dashed: true, points: botReply.upstream.points.map((p) => [(p.at - startOf('bot')) / 1000, p.chars] as const) },
    ...NAMES.map((name) => ({
      name: CONTENDER_LABEL[name],
      color: colours[name],
      points: results.get(name)![0]!.visible.map((p) => [(p.at - startOf(name)) / 1000, p.chars] as const),
    })),
  ];
  return renderStepChart(series, {
    title: `Visible characters of one reply: bucket ${scenario.bucket.limit} edits / ${scenario.bucket.windowMs / 1000} s, ${scenario.pace.tokensPerSecond} tokens/s (floor ${floorLagMs(scenario.bucket)} ms)`,
    xLabel: 'seconds since the request reached OpenRouter',
    yLabel: 'characters visible in Discord',
  });
}
