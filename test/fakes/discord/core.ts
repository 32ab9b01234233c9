/**
 * What every part of the fake shares: options, addresses, snowflakes, the request log, timers, and
 * the change notifications that `waitFor` re-checks on.
 */
import type { RecordedRequest, FakeDiscordOptions } from './types.js';
import { waitUntil } from '../wait-until.js';

const DISCORD_EPOCH = 1420070400000n;
const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);

/** The options with their defaults; `recommendedShards` stays optional (absent: computed from the guild count). */
export type CoreOptions = Required<Omit<FakeDiscordOptions, 'recommendedShards'>> & Pick<FakeDiscordOptions, 'recommendedShards'>;

export class Core {
  readonly opts: CoreOptions;
  readonly origin: string;
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly resumeGatewayUrl: string;
  readonly requests: RecordedRequest[] = [];
  readonly timers = new Set<NodeJS.Timeout>();
  stopped = false;
  private readonly waiters = new Set<() => void>();
  private snowInc = 0;
  private snowLastTs = 0n;
  private holdNotify = 0;
  private pendingNotify = false;

  constructor(opts: FakeDiscordOptions, port: number) {
    this.opts = {
      editBucket: opts.editBucket ?? { limit: 5, windowMs: 5000 },
      attachmentSizeLimit: opts.attachmentSizeLimit ?? 10 * 1024 * 1024,
      defaultBucket: opts.defaultBucket ?? { limit: 50, windowMs: 1000 },
      globalLimit: opts.globalLimit ?? { limit: 50, windowMs: 1000 },
      callbackWindowMs: opts.callbackWindowMs ?? 3000,
      tokenLifetimeMs: opts.tokenLifetimeMs ?? 15 * 60 * 1000,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41250,
      maxRequestBytes: opts.maxRequestBytes ?? 25 * 1024 * 1024,
      privilegedIntents: opts.privilegedIntents ?? PRIVILEGED_INTENTS,
      botInGuild: opts.botInGuild ?? true,
      recommendedShards: opts.recommendedShards,
      maxConcurrency: opts.maxConcurrency ?? 16,
      sessionStartLimit: opts.sessionStartLimit ?? 1000,
      maxGuildsPerShard: opts.maxGuildsPerShard ?? 2500,
    };
    this.origin = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.origin}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    this.resumeGatewayUrl = `ws://127.0.0.1:${port}/resume`;
  }

  /** A fresh snowflake with the current timestamp (19 digits). */
  snowflake(): string {
    let ts = BigInt(Date.now()) - DISCORD_EPOCH;
    if (ts <= this.snowLastTs) ts = this.snowLastTs;
    if (ts === this.snowLastTs) {
      this.snowInc++;
      if (this.snowInc > 0xfff) {
        ts++;
        this.snowInc = 0;
      }
    } else this.snowInc = 0;
    this.snowLastTs = ts;
    return ((ts << 22n) | (1n << 17n) | (1n << 12n) | BigInt(this.snowInc)).toString();
  }

  /**
   * A fresh snowflake whose shard is `shard` of `count`: `(id >> 22) % count` is the timestamp modulo
   * count, so the timestamp moves ahead to the next fitting millisecond (at most count - 1 ms ahead).
   * Later snowflakes stay after it.
   */
  snowflakeOnShard(shard: number, count: number): string {
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(shard) || shard < 0 || shard >= count) {
      throw new Error(`FakeDiscord: no shard ${shard} of ${count}`);
    }
    const next = this.snowLastTs + 1n;
    const now = BigInt(Date.now()) - DISCORD_EPOCH;
    const from = now > next ? now : next;
    const n = BigInt(count);
    const ts = from + ((BigInt(shard) - (from % n) + n) % n);
    this.snowLastTs = ts;
    this.snowInc = 0;
    return ((ts << 22n) | (1n << 17n) | (1n << 12n)).toString();
  }

  /** A timer that stop() clears. */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /**
   * Re-evaluates waitFor predicates. While a REST request is being handled, notifications are held
   * until its answer is written, so a predicate never sees state whose request is still unanswered.
   */
  changed(): void {
    if (this.holdNotify > 0) {
      this.pendingNotify = true;
      return;
    }
    this.pendingNotify = false;
    for (const w of [...this.waiters]) w();
  }

  hold(): void {
    this.holdNotify++;
  }

  release(): void {
    this.holdNotify--;
  }

  /** Sends the notifications held while a request was handled. */
  flush(): void {
    if (this.pendingNotify) this.changed();
  }

  /**
   * Resolves with the predicate's first truthy value. Re-evaluated after every request and every
   * state change (no polling). Rejects after timeoutMs (default 10 s) with `what` and the recent requests.
   */
  waitFor<T>(predicate: () => T | undefined | false | null, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return waitUntil(predicate, {
      timeoutMs,
      subscribe: (check) => {
        this.waiters.add(check);
        return () => this.waiters.delete(check);
      },
      track: (timer) => {
        this.timers.add(timer);
        return () => this.timers.delete(timer);
      },
      describe: () => `FakeDiscord.waitFor(${opts.what ?? 'condition'}) timed out after ${timeoutMs} ms${this.recentSummary()}`,
    });
  }

  recentSummary(n = 15): string {
    const recent = this.requests.slice(-n);
    if (recent.length === 0) return '\n  (no REST requests received)';
    return `\n  last ${recent.length} of ${this.requests.length} requests:\n${recent
      .map((r) => `    ${r.method} ${r.path} -> ${r.status || 'pending'}${r.injected ? ' (injected)' : ''}`)
      .join('\n')}`;
  }

  stopTimers(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export { PRIVILEGED_INTENTS };
