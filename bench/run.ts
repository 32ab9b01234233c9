/**
 * `npm run bench` (quick) or `npm run bench -- --full`: runs every figure of the benchmark and
 * writes bench/results/latest.md and bench/results/stream.svg.
 * `npm run bench -- --only=surfaces,load` runs only those parts (contenders, surfaces, one-channel,
 * load, scale, images, history, startup) and prints their report, writing nothing; `--startup-only` is
 * `--only=startup`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderStepChart } from './chart.js';
import { CONTENDER_LABEL, startContender, type Contender, type ContenderName } from './contenders.js';
import { benchHistory } from './history.js';
import { runImageBatch, runImages } from './images.js';
import { runLoad } from './load.js';
import { runScale } from './scale.js';
import { floorLagMs } from './metrics.js';
import { renderReport, type StreamingGroup, type StreamingRow } from './report.js';
import { runStartup } from './startup.js';
import { runStreaming, type StreamScenario } from './streaming.js';
import { LONG_SURFACES, type SurfaceName } from './surfaces.js';

const full = process.argv.includes('--full');
const mode = full
  ? { name: 'full', chars: 1_900, longChars: 2_600, repeats: 3, cutoffMs: 3_000, loadLevels: [1, 10, 100, 200, 500], loadChars: 1_500, scaleRates: [40, 80, 160], imageRuns: 5, historyIterations: 20, restarts: 10 }
  : { name: 'quick', chars: 1_500, longChars: 2_600, repeats: 1, cutoffMs: 2_000, loadLevels: [1, 10, 100, 200], loadChars: 1_500, scaleRates: [40, 80], imageRuns: 2, historyIterations: 5, restarts: 5 };

const PARTS = ['contenders', 'surfaces', 'one-channel', 'load', 'scale', 'images', 'history', 'startup'] as const;
type Part = (typeof PARTS)[number];
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (process.argv.includes('--startup-only') ? 'startup' : undefined);
const only = onlyArg?.split(',');
const unknown = only?.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown?.length) throw new Error(`--only takes ${PARTS.join(', ')}; not ${unknown.join(', ')}`);
const runs = (part: Part) => !only || only.includes(part);

const BUCKETS = [
  { limit: 5, windowMs: 5_000 },
  { limit: 5, windowMs: 2_000 },
];
const DEFAULT_PACE = { firstTokenMs: 600, tokensPerSecond: 60 };
const FAST_PACE = { firstTokenMs: 600, tokensPerSecond: 250 };
const NAMES: ContenderName[] = ['bot', 'per-chunk', 'per-second'];
const SURFACES: SurfaceName[] = ['ask', 'ask-followups', 'mention', 'mention-followups', 'fallback'];

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const began = performance.now();

type Scenario = Omit<StreamScenario, 'seed'> & { label: string; group: StreamingGroup };
const bucketLabel = (b: { limit: number; windowMs: number }) => `${b.limit}/${b.windowMs / 1000}s`;
const scenarios: Scenario[] = [];
if (runs('contenders')) {
  for (const pace of full ? [DEFAULT_PACE, FAST_PACE] : [DEFAULT_PACE]) {
    for (const bucket of BUCKETS) {
      for (const concurrency of [1, 10]) {
        scenarios.push({ group: 'contenders', label: `${bucketLabel(bucket)}-${pace.tokensPerSecond}tps-x${concurrency}`, bucket, pace, concurrency, chars: mode.chars, cutoffMs: mode.cutoffMs });
      }
    }
  }
  if (!full) for (const bucket of BUCKETS) scenarios.push({ group: 'contenders', label: `${bucketLabel(bucket)}-250tps-x1`, bucket, pace: FAST_PACE, concurrency: 1, chars: mode.chars, cutoffMs: mode.cutoffMs });
}
if (runs('surfaces')) {
  for (const bucket of BUCKETS) {
    for (const concurrency of full ? [1, 10] : [1]) {
      for (const surface of SURFACES) {
        const chars = LONG_SURFACES.has(surface) ? mode.longChars : mode.chars;
        scenarios.push({ group: 'surfaces', label: `${bucketLabel(bucket)}-60tps-x${concurrency}`, surface, bucket, pace: DEFAULT_PACE, concurrency, chars, cutoffMs: mode.cutoffMs });
      }
    }
  }
}
if (runs('one-channel')) {
  for (const bucket of full ? BUCKETS : [BUCKETS[0]!]) {
    for (const concurrency of full ? [2, 3, 5] : [2, 5]) {
      // Answers ending together need one request each to show their final text, which the shared
      // bucket gives out at its pace: they get one window more than a lone answer to finish.
      const cutoffMs = mode.cutoffMs + bucket.windowMs;
      scenarios.push({ group: 'one-channel', label: `${bucketLabel(bucket)}-60tps`, surface: 'mention', oneChannel: true, bucket, pace: DEFAULT_PACE, concurrency, chars: mode.chars, cutoffMs });
    }
  }
}

log(`${mode.name} mode${only ? ` (only ${only.join(', ')})` : ''}: ${scenarios.length} streaming scenarios${runs('load') ? `, load at ${mode.loadLevels.join('/')} streams` : ''}`);
const streaming: StreamingRow[] = [];
let chart: string | undefined;
if (scenarios.length) {
  const needed = scenarios.some((s) => s.group === 'contenders') ? NAMES : (['bot'] as ContenderName[]);
  const contenders: Contender[] = await Promise.all(needed.map((name) => startContender(name, { channels: 10, editBucket: BUCKETS[0]! })));
  try {
    // A short reply first, so no contender's first measured reply pays for start-up work.
    await runStreaming(contenders, { bucket: BUCKETS[0]!, pace: { firstTokenMs: 0, tokensPerSecond: 500 }, concurrency: 1, chars: 200, cutoffMs: 1_000, seed: 99 }, 'warm-up');
    let seed = 1;
    for (const scenario of scenarios) {
      // The baselines answer /ask only.
      const taking = scenario.group === 'contenders' ? contenders : contenders.filter((c) => c.name === 'bot');
      // Lone answers repeat (one answer is one sample), and so do answers sharing a channel: which of
      // them finds the bucket empty at its end is down to where the window falls, run by run.
      for (let r = 0; r < (scenario.concurrency === 1 || scenario.oneChannel ? mode.repeats : 1); r++) {
        const name = `${scenario.group} ${scenario.surface ?? 'ask'} ${scenario.label}${scenario.oneChannel ? ` ${scenario.concurrency} in one channel` : ''}`;
        log(`streaming ${name}${mode.repeats > 1 ? ` #${r + 1}` : ''}`);
        const results = await runStreaming(taking, { ...scenario, seed: seed++ }, `${scenario.group}-${scenario.surface ?? 'ask'}-${scenario.label}-${scenario.concurrency}-${r}`);
        for (const [contender, replies] of results) {
          const row = streaming.find((s) => s.group === scenario.group && s.label === scenario.label && s.surface === (scenario.surface ?? 'ask') && s.concurrency === scenario.concurrency && s.contender === contender);
          if (row) row.replies.push(...replies);
          else
            streaming.push({
              group: scenario.group,
              label: scenario.label,
              contender,
              surface: scenario.surface ?? 'ask',
              bucket: scenario.bucket,
              pace: scenario.pace,
              concurrency: scenario.concurrency,
              oneChannel: scenario.oneChannel ?? false,
              replies,
            });
        }
        if (!chart && scenario.group === 'contenders' && scenario.bucket === BUCKETS[0] && scenario.pace === DEFAULT_PACE && scenario.concurrency === 1) chart = streamChart(results, scenario);
      }
    }
  } finally {
    await Promise.all(contenders.map((c) => c.stop()));
  }
}

if (runs('load')) log(`load at ${mode.loadLevels.join(', ')} concurrent streams`);
const load = runs('load') ? await runLoad(mode.loadLevels, { pace: DEFAULT_PACE, chars: mode.loadChars, repeats: mode.repeats }) : [];
if (runs('scale')) log(`scale: 1, 2 and 4 shard processes at ${mode.scaleRates.join(', ')} answers/s`);
const scale = runs('scale') ? await runScale([1, 2, 4], mode.scaleRates, { pace: DEFAULT_PACE, chars: mode.loadChars, seconds: 8 }) : [];
if (runs('images')) log('images');
const images = runs('images') ? await runImages(mode.imageRuns) : [];
if (runs('images')) log('four 2K images');
const imageBatch = runs('images') ? await runImageBatch(mode.imageRuns) : [];
if (runs('history')) log('history');
const history = runs('history') ? await benchHistory({ turnCounts: [10, 100, 1_000], iterations: mode.historyIterations, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }) : [];
if (runs('startup')) log(`${mode.restarts} restarts with npm start`);
const startup = runs('startup') ? await runStartup(mode.restarts) : [];

const report = renderReport({ mode: mode.name, cutoffMs: mode.cutoffMs, seconds: (performance.now() - began) / 1000, streaming, load, scale, images, imageBatch, history, startup, chart: chart ? 'stream.svg' : undefined });
if (only) {
  // A partial run is printed, not written: bench/results holds whole runs.
  process.stdout.write(report);
  process.exit(0);
}
const out = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(out, { recursive: true });
if (chart) writeFileSync(`${out}stream.svg`, chart);
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
