import type { OpenRouter } from '@openrouter/sdk';
import { formatUsd } from '../costs/money.js';
import { nextDayStart, nextMonthStart, nextWeekStart, relativeTime } from '../costs/periods.js';
import type { Timers } from '../discord/timers.js';
import type { Logger } from '../logger.js';
import type { Precondition } from '../preconditions.js';

/** What `GET /key` said about the key's own credit limit, and what has been spent since. */
export interface KeyLimit {
  /** US dollars; null: the key has no limit. */
  limit: number | null;
  remaining: number | null;
  /** All-time usage of the key. */
  usage: number;
  /** When the limit starts again (daily, weekly or monthly limits), as OpenRouter resets them: midnight UTC, weeks from Monday. */
  resetsAt: number | undefined;
}

export type KeyHealth = 'unknown' | 'ok' | 'low' | 'spent';

export interface KeyWatchOptions {
  /** Warn when less than this is left (US dollars). */
  warnBelowUsd: number;
  intervalMs: number;
}

function resetOf(kind: string | null, now: number): number | undefined {
  if (kind === 'daily') return nextDayStart(now);
  if (kind === 'weekly') return nextWeekStart(now);
  if (kind === 'monthly') return nextMonthStart(now);
  return undefined;
}

/**
 * Reads the key's own limit at start-up and every `intervalMs`, so a spent key refuses new
 * requests with a clear message instead of letting each one fail with OpenRouter's 402. Between
 * reads, costs the bot records come off what is left, so it notices the limit running out without
 * waiting for the next read.
 */
export class KeyWatch {
  private state: KeyLimit | undefined;
  private timer: unknown;
  private stopped = false;
  private lastHealth: KeyHealth = 'unknown';

  constructor(
    private readonly client: OpenRouter,
    private readonly logger: Logger,
    private readonly options: KeyWatchOptions,
    private readonly timers: Timers,
    private readonly now: () => number = Date.now,
  ) {}

  /** The first read (a failure is logged, not fatal), then one every interval. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => void this.refresh().finally(() => this.schedule()), this.options.intervalMs);
  }

  async refresh(): Promise<void> {
    try {
      // A failed read is tried again at the next interval, not retried here for minutes.
      const { data } = await this.client.apiKeys.getCurrentKeyMetadata(undefined, { retries: { strategy: 'none' } });
      this.state = { limit: data.limit, remaining: data.limitRemaining, usage: data.usage, resetsAt: resetOf(data.limitReset, this.now()) };
    } catch (err) {
      this.logger.warn({ err }, 'could not read the OpenRouter key’s limits');
      return;
    }
    this.report();
  }

  /** Takes a recorded cost off what the key has left. */
  noteSpend(usd: number): void {
    if (!this.state || this.state.remaining === null || usd <= 0) return;
    this.state = { ...this.state, remaining: this.state.remaining - usd, usage: this.state.usage + usd };
    this.report();
  }

  health(): KeyHealth {
    const s = this.state;
    if (!s) return 'unknown';
    // Past its reset the limit is fresh again, whatever the last read said.
    if (s.resetsAt !== undefined && this.now() >= s.resetsAt) return 'unknown';
    if (s.remaining === null) return 'ok';
    if (s.remaining <= 0) return 'spent';
    return s.remaining < this.options.warnBelowUsd ? 'low' : 'ok';
  }

  /** Why no request may start now, or undefined. */
  refusal(): string | undefined {
    if (this.health() !== 'spent') return undefined;
    const s = this.state!;
    const when = s.resetsAt === undefined ? 'until the bot’s operator raises it' : `until it resets ${relativeTime(s.resetsAt)}`;
    return `🔒 The bot’s OpenRouter key has used up its ${formatUsd(s.limit ?? 0)} limit, so I can’t answer ${when}.`;
  }

  get limit(): KeyLimit | undefined {
    return this.state;
  }

  /** Logs when the key's health changes: a warning when it runs low or is spent. */
  private report(): void {
    const health = this.health();
    if (health === this.lastHealth) return;
    this.lastHealth = health;
    const s = this.state!;
    const fields = { limit: s.limit, remaining: s.remaining, usage: s.usage, resetsAt: s.resetsAt && new Date(s.resetsAt).toISOString() };
    if (health === 'spent') this.logger.warn(fields, 'the OpenRouter key’s limit is spent: refusing new requests');
    else if (health === 'low') this.logger.warn({ ...fields, warnBelow: this.options.warnBelowUsd }, 'the OpenRouter key’s limit is nearly spent');
    else this.logger.info(fields, 'OpenRouter key limit read');
  }
}

/** A spent key refuses before anything is sent. */
export function keyLimit(watch: KeyWatch): Precondition {
  return {
    check({ userId, channelId }) {
      const message = watch.refusal();
      if (!message) return { ok: true };
      return { ok: false, message, log: 'request refused: the OpenRouter key’s limit is spent', details: { user: userId, channel: channelId, reason: 'key-spent' } };
    },
  };
}
