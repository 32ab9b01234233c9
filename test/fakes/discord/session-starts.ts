/**
 * Discord's limits on starting gateway sessions (docs: Gateway → Identifying, Sharding → Max
 * Concurrency, Session Start Limit Object):
 * - `total` IDENTIFYs per 24 h for all shards together (RESUMEs don't count); the window starts at
 *   the first one. Going over it ends every session and resets the bot's token.
 * - `max_concurrency` IDENTIFYs per 5 s: shards fall into buckets by `shard_id % max_concurrency`,
 *   one IDENTIFY per bucket per 5 s; one more is answered with op 9 INVALID_SESSION.
 * Every IDENTIFY is recorded with what the gateway did with it, so a test can check that a bot
 * spaced them as max_concurrency asks.
 */
import { performance } from 'node:perf_hooks';
import type { Core } from './core.js';
import type { IdentifyRecord } from './types.js';

/** How long one IDENTIFY holds its bucket. */
export const IDENTIFY_INTERVAL_MS = 5000;
const DAY_MS = 24 * 60 * 60 * 1000;

export class SessionStarts {
  readonly identifies: IdentifyRecord[] = [];
  private used = 0;
  private windowStart: number | undefined;
  /** When each bucket last let an IDENTIFY through. */
  private readonly lastInBucket = new Map<number, number>();

  constructor(private readonly core: Core) {}

  /** session_start_limit, as GET /gateway/bot answers it. */
  limit(): { total: number; remaining: number; reset_after: number; max_concurrency: number } {
    const now = performance.now();
    this.rollWindow(now);
    const total = this.core.opts.sessionStartLimit;
    return {
      total,
      remaining: Math.max(0, total - this.used),
      reset_after: Math.round(this.windowStart === undefined ? DAY_MS : this.windowStart + DAY_MS - now),
      max_concurrency: this.core.opts.maxConcurrency,
    };
  }

  /** Counts an IDENTIFY against the daily limit; false when none was left. */
  take(now: number): boolean {
    this.rollWindow(now);
    this.windowStart ??= now;
    if (this.used >= this.core.opts.sessionStartLimit) return false;
    this.used++;
    return true;
  }

  /** Whether a shard may identify now (no other IDENTIFY of its bucket in the last 5 s); if so, it takes the bucket. */
  admit(shardId: number, now: number): boolean {
    const bucket = shardId % this.core.opts.maxConcurrency;
    const last = this.lastInBucket.get(bucket);
    if (last !== undefined && now - last < IDENTIFY_INTERVAL_MS) return false;
    this.lastInBucket.set(bucket, now);
    return true;
  }

  record(r: IdentifyRecord): void {
    this.identifies.push(r);
    this.core.changed();
  }

  private rollWindow(now: number): void {
    if (this.windowStart !== undefined && now - this.windowStart >= DAY_MS) {
      this.windowStart = undefined;
      this.used = 0;
    }
  }
}
