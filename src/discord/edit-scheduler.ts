import { realTimers, type Timers } from './timers.js';

/** What Discord's X-RateLimit-* headers said about the bucket after a request. */
export interface RateLimitInfo {
  remaining: number;
  resetAfterMs: number;
}

export interface EditSchedulerOptions<P> {
  /** The newest payload. Pulled only when an edit can go out, so bursts of tokens cost nothing. */
  read(): P;
  /** True when sending `next` after `sent` would change nothing. */
  same(next: P, sent: P): boolean;
  send(payload: P): Promise<RateLimitInfo | undefined>;
  timers?: Timers;
  /**
   * Requests of the bucket that edits before `flush()` leave unspent, so that the final edit
   * never has to wait for the bucket to reset (image previews must not delay the images).
   */
  reserve?: number;
}

/**
 * Keeps one edit in flight for one message and sends the newest payload when it completes.
 *
 * Pacing comes from the rate-limit headers of the last response: the remaining requests are spread
 * evenly over the time left in the bucket, so the message updates steadily instead of bursting
 * and then freezing until the bucket resets. `flush()` (the final text) skips the even spread and
 * only waits when the bucket is actually empty.
 */
export class EditScheduler<P> {
  private readonly timers: Timers;
  private sent: { payload: P } | undefined;
  private dirty = false;
  private inFlight = false;
  private final = false;
  /** The next edit skips the even spread (it still waits for an empty bucket). */
  private urgent = false;
  private failure: { error: unknown } | undefined;
  /** Not before this time at all (bucket empty). */
  private hardNext = 0;
  /** Not before this time while streaming (even spread). */
  private softNext = 0;
  private timer: { handle: unknown; at: number } | undefined;
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly options: EditSchedulerOptions<P>) {
    this.timers = options.timers ?? realTimers;
  }

  /**
   * The payload changed; an edit will carry it at the even pace, or, when `urgent`, as soon as the
   * bucket has room.
   */
  markDirty(urgent = false): void {
    this.dirty = true;
    if (urgent) this.urgent = true;
    this.pump();
  }

  /** Sends the newest payload as soon as the bucket allows and resolves when it has landed. */
  flush(): Promise<void> {
    this.final = true;
    this.dirty = true;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.pump();
    return done;
  }

  get error(): unknown {
    return this.failure?.error;
  }

  private pump(): void {
    if (this.inFlight) return;
    if (this.failure) return this.settle();
    if (!this.dirty) return this.settle();

    const notBefore = this.final || this.urgent ? this.hardNext : Math.max(this.hardNext, this.softNext);
    const now = this.timers.now();
    if (now < notBefore) {
      if (this.timer?.at !== notBefore) {
        this.cancelTimer();
        const handle = this.timers.setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, notBefore - now);
        this.timer = { handle, at: notBefore };
      }
      return;
    }
    this.cancelTimer();
    this.dirty = false;
    this.urgent = false;
    const payload = this.options.read();
    if (this.sent && this.options.same(payload, this.sent.payload)) return this.settle();

    this.inFlight = true;
    this.options.send(payload).then(
      (info) => {
        this.sent = { payload };
        const at = this.timers.now();
        const spare = info ? info.remaining - (this.options.reserve ?? 0) : 0;
        if (!info) {
          this.hardNext = this.softNext = at;
        } else if (info.remaining <= 0) {
          this.hardNext = this.softNext = at + info.resetAfterMs;
        } else {
          this.hardNext = at;
          this.softNext = at + (spare > 0 ? info.resetAfterMs / (spare + 1) : info.resetAfterMs);
        }
        this.inFlight = false;
        this.pump();
      },
      (error: unknown) => {
        this.failure = { error };
        this.inFlight = false;
        this.pump();
      },
    );
  }

  private settle(): void {
    if (!this.final || this.inFlight || (this.dirty && !this.failure)) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure) w.reject(this.failure.error);
      else w.resolve();
    }
  }

  private cancelTimer(): void {
    if (this.timer) this.timers.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}
