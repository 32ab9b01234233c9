import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { ChannelHistory } from '../src/conversation/history.js';
import { trimToBudget, type Turn } from '../src/conversation/turns.js';
import { openStore, type Store } from '../src/storage.js';
import { summarize, type Summary } from './stats.js';

/** Milliseconds per bot turn; `turn` is load + save of the same iteration, not the sum of medians. */
export interface HistoryRow {
  store: 'SQLite' | 'Redis';
  storedTurns: number;
  load: Summary;
  save: Summary;
  turn: Summary;
}

export interface HistoryBenchOptions {
  turnCounts: number[];
  iterations: number;
  redisUrl: string;
}

/** What a request sends of the history by default (HISTORY_MAX_TOKENS): what each bot turn loads. */
const HISTORY_BUDGET = 12_000;

/** Enough for the JIT, the SQLite page cache and the Redis connection to settle before timing. */
const WARMUP_ITERATIONS = 2;

const WORDS = (
  'the a model answer context token stream channel thread reply image prompt budget history ' +
  'request latency cache value store record turn user assistant message question because when ' +
  'which about could would should first then after before every only still always never often ' +
  'function return error config timeout retry server client network payload format result'
).split(' ');

/**
 * Deterministic pseudo-random text: varied enough that no layer (SQLite pages, Redis encoding)
 * sees the suspiciously regular data a repeated string would give, yet identical run to run.
 */
function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(rng: () => number): string {
  const n = 6 + Math.floor(rng() * 12);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rng() * WORDS.length)]!);
  const first = words[0]!;
  words[0] = first[0]!.toUpperCase() + first.slice(1);
  return `${words.join(' ')}.`;
}

function prose(rng: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) out += (out ? ' ' : '') + sentence(rng);
  return out;
}

function userTurn(rng: () => number, at: number): Turn {
  return { role: 'user', author: `user${Math.floor(rng() * 20)}`, content: prose(rng, 300), at };
}

/** Shaped like a typical model answer (headings, lists, code) so JSON escaping costs are realistic. */
function assistantTurn(rng: () => number, at: number): Turn {
  const parts: string[] = [];
  while (parts.join('\n\n').length < 1_500) {
    const kind = Math.floor(rng() * 4);
    if (kind === 0) parts.push(`## ${sentence(rng).slice(0, -1)}`);
    else if (kind === 1) parts.push(Array.from({ length: 3 }, () => `- **${WORDS[Math.floor(rng() * WORDS.length)]}**: ${sentence(rng)}`).join('\n'));
    else if (kind === 2) parts.push(`\`\`\`ts\nconst ${WORDS[Math.floor(rng() * WORDS.length)]} = await fetch("https://example.com/api?q=${Math.floor(rng() * 1e6)}");\n\`\`\``);
    else parts.push(prose(rng, 250));
  }
  return { role: 'assistant', model: 'openai/gpt-4o-mini', content: parts.join('\n\n').slice(0, 1_600), at };
}

/** N alternating turns ending with an assistant answer, a minute apart and ending a minute ago. */
function conversation(rng: () => number, n: number, now: number): Turn[] {
  return Array.from({ length: n }, (_, i) => {
    const at = now - (n - i) * 60_000;
    return i % 2 === 0 ? userTurn(rng, at) : assistantTurn(rng, at);
  });
}

interface Sample {
  load: number;
  save: number;
}

async function benchStore(
  name: HistoryRow['store'],
  store: Store,
  turnCounts: number[],
  iterations: number,
  runId: string,
): Promise<HistoryRow[]> {
  const history = new ChannelHistory(store);
  const rows: HistoryRow[] = [];
  for (const n of turnCounts) {
    const samples: Sample[] = [];
    for (let i = -WARMUP_ITERATIONS; i < iterations; i++) {
      const rng = makeRng(n * 1_000 + i + WARMUP_ITERATIONS);
      // A fresh channel each iteration, so every save appends to exactly N turns, not N + 2i.
      const channel = `${runId}-${n}-${i}`;
      const now = Date.now();
      const stored = conversation(rng, n, now);
      await history.append(channel, stored);
      const expected = trimToBudget(stored, HISTORY_BUDGET).length;

      const t0 = performance.now();
      const loaded = trimToBudget(await history.load(channel, HISTORY_BUDGET), HISTORY_BUDGET);
      const t1 = performance.now();
      await history.append(channel, [userTurn(rng, now), assistantTurn(rng, now + 5_000)]);
      const t2 = performance.now();

      // A silently empty or truncated load would make the numbers look great and mean nothing.
      if (loaded.length !== expected) throw new Error(`${name}: loaded ${loaded.length} turns, expected ${expected}`);
      if (i >= 0) samples.push({ load: t1 - t0, save: t2 - t1 });
      // Untimed, and keeps the store from growing across iterations (and cleans up if we fail later).
      await history.reset(channel);
    }
    rows.push({
      store: name,
      storedTurns: n,
      load: summarize(samples.map((s) => s.load)),
      save: summarize(samples.map((s) => s.save)),
      turn: summarize(samples.map((s) => s.load + s.save)),
    });
  }
  return rows;
}

/**
 * Times what the bot does per turn with a channel's history: one load of what fits the default
 * budget (to build the request) and one append of the user/assistant pair.
 */
export async function benchHistory(opts: HistoryBenchOptions): Promise<HistoryRow[]> {
  const logger = pino({ level: 'silent' });
  const runId = randomBytes(6).toString('hex');
  // Own namespace per run, so clear() below can never touch the bot's data or another run's.
  const namespace = `bench-history-${runId}`;
  const rows: HistoryRow[] = [];

  const dir = await mkdtemp(join(tmpdir(), 'bench-history-'));
  try {
    const sqlite = await openStore(`sqlite://${join(dir, 'history.sqlite')}`, logger, namespace);
    try {
      rows.push(...(await benchStore('SQLite', sqlite, opts.turnCounts, opts.iterations, runId)));
    } finally {
      await sqlite.disconnect();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const redis = await openStore(opts.redisUrl, logger, namespace);
  try {
    rows.push(...(await benchStore('Redis', redis, opts.turnCounts, opts.iterations, runId)));
  } finally {
    // @keyv/redis clears by SCAN MATCH "<namespace>::*", so only this run's keys; a backstop for
    // channels a failed iteration left behind before its reset.
    try {
      await redis.clear();
    } finally {
      await redis.disconnect();
    }
  }
  return rows;
}
