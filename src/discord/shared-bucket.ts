import type { RateLimitInfo } from './rate-limits.js';
import { realTimers, type Timers } from './timers.js';

/** What a turn's request found out: the bucket's state, nothing to go on, or that it sent nothing. */
export type Outcome = RateLimitInfo | undefined | 'unsent';

/** Ends a turn; the next writer's turn is paced by what it reports. */
export type Release = (outcome: Outcome) => void;

export interface Turn {
  /** The waiting change became urgent: it goes as soon as the bucket has room. */
  hurry(): void;
}

interface Waiter {
  urgent: boolean;
  /** Since when what this writer shows has been going stale (its last request, or when it began). */
  since: number;
  /** Requests of the window this writer leaves unspent while it is not urgent. */
  reserve: number;
  go: (release: Release) => void;
}

/**
 * One Discord rate-limit bucket (a channel's edits, an interaction token's edits, …) shared by
 * every writer that spends from it: all the messages of an answer, and all the answers in a
 * channel. One request is in flight at a time, so each response's headers are the bucket's true
 * state; the remaining requests are spread evenly over the time left in the window, and writers
 * take them in turn (a writer asks again after its turn, so each gets its fair share). An urgent
 * change (the final text, an answer's first words) goes first, and only waits for an empty bucket.
 */
export class SharedBucket {
  /** Not before this time at all (bucket empty). */
  private hardNext = 0;
  /** When the last response was read, and how many requests of its window it left. */
  private learnedAt = 0;
  private remaining = 0;
  private resetAt = 0;
  private busy = false;
  private readonly waiting: Waiter[] = [];
  private timer: { handle: unknown; at: number } | undefined;

  constructor(private readonly timers: Timers = realTimers) {}

  /**
   * Calls `go` when this writer may send (at once, when it can); `go` must end the turn with the
   * release it is given, exactly once. While the turn is not urgent, `reserve` requests of the
   * window are left unspent (only the rest are spread), so an urgent change after it (the final
   * edit) never waits for the bucket to reset. Of the urgent changes waiting, the one whose writer
   * has shown nothing new for longest (`since`, on the bucket's clock) goes first; and when the
   * window has fewer requests left than the writers with news that are staler still, those go
   * first. So when several answers end at once and the window can't take all their final texts,
   * the one that waits for the reset is the one whose reader saw it most recently.
   */
  wait(urgent: boolean, go: (release: Release) => void, reserve = 0, since = this.timers.now()): Turn {
    const waiter: Waiter = { urgent, since, reserve, go };
    this.waiting.push(waiter);
    this.pump();
    return {
      hurry: () => {
        if (waiter.urgent || !this.waiting.includes(waiter)) return;
        waiter.urgent = true;
        this.pump();
      },
    };
  }

  /** Runs one request as soon as the bucket has room (a one-off edit beside the streams). */
  run(request: () => Promise<RateLimitInfo | undefined>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.wait(true, (release) => {
        request().then(
          (info) => {
            release(info);
            resolve();
          },
          (error: unknown) => {
            release(undefined);
            reject(error);
          },
        );
      });
    });
  }

  /** The bucket's clock. */
  now(): number {
    return this.timers.now();
  }

  /** Nothing waits or is in flight, and the window has reset: a new bucket would act the same. */
  get idle(): boolean {
    return !this.busy && this.waiting.length === 0 && this.timers.now() >= this.resetAt;
  }

  private pump(): void {
    if (this.busy || this.waiting.length === 0) return this.cancelTimer();
    const { index, hurried } = this.next();
    const next = this.waiting[index]!;
    const notBefore = hurried ? this.hardNext : Math.max(this.hardNext, this.softNext(next.reserve));
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
    this.waiting.splice(index, 1);
    this.busy = true;
    let released = false;
    next.go((outcome) => {
      if (released) return;
      released = true;
      this.busy = false;
      if (outcome !== 'unsent') this.learn(outcome);
      this.pump();
    });
  }

  /**
   * Who goes next, and whether as soon as the bucket has room: the urgent waiter stale longest
   * (the first of equals), else the first in line at the even pace. But when the window has no
   * more requests left than there are writers staler than that urgent one, waiting with news at
   * the even pace, the stalest of them goes first: answers ending at once would otherwise take the
   * window's last requests in the order they ended, and leave the one whose reader has seen
   * nothing new for longest to wait for the reset.
   */
  private next(): { index: number; hurried: boolean } {
    let urgent: number | undefined;
    this.waiting.forEach((w, i) => {
      if (w.urgent && (urgent === undefined || w.since < this.waiting[urgent]!.since)) urgent = i;
    });
    if (urgent === undefined) return { index: 0, hurried: false };
    const since = this.waiting[urgent]!.since;
    let staler = 0;
    let stalest: number | undefined;
    this.waiting.forEach((w, i) => {
      if (w.urgent || w.since >= since) return;
      staler++;
      if (stalest === undefined || w.since < this.waiting[stalest]!.since) stalest = i;
    });
    return { index: stalest !== undefined && this.remaining <= staler ? stalest : urgent, hurried: true };
  }

  /**
   * Not before this time for a change that can wait: the requests above `reserve` spread evenly
   * over the time left in the window; with none above it, the reset.
   */
  private softNext(reserve: number): number {
    if (this.remaining <= 0) return this.resetAt;
    const spare = this.remaining - reserve;
    return spare > 0 ? this.learnedAt + (this.resetAt - this.learnedAt) / (spare + 1) : this.resetAt;
  }

  private learn(info: RateLimitInfo | undefined): void {
    const at = this.timers.now();
    this.learnedAt = at;
    if (!info) {
      // Nothing to go on: no pacing at all.
      this.hardNext = this.resetAt = at;
      this.remaining = Number.POSITIVE_INFINITY;
    } else if (info.remaining <= 0) {
      this.hardNext = this.resetAt = at + info.resetAfterMs;
      this.remaining = 0;
    } else {
      this.hardNext = at;
      this.remaining = info.remaining;
      this.resetAt = at + info.resetAfterMs;
    }
  }

  private cancelTimer(): void {
    if (this.timer) this.timers.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}

/** The buckets of one bot, by key; those that have nothing left to remember are forgotten. */
export class Buckets {
  private readonly byKey = new Map<string, SharedBucket>();
  private sweepAt = 64;

  constructor(private readonly timers: Timers = realTimers) {}

  get(key: string): SharedBucket {
    let bucket = this.byKey.get(key);
    if (!bucket) {
      if (this.byKey.size >= this.sweepAt) this.sweep();
      bucket = new SharedBucket(this.timers);
      this.byKey.set(key, bucket);
    }
    return bucket;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Sweeps when the map has doubled since the last sweep, so each lookup costs O(1) on average. */
  private sweep(): void {
    for (const [key, bucket] of this.byKey) if (bucket.idle) this.byKey.delete(key);
    this.sweepAt = Math.max(64, this.byKey.size * 2);
  }
}

/**
 * The keys of the buckets an answer spends from, named after Discord's top-level resources: a
 * channel's sends and its edits count apart, as do an interaction token's follow-ups and its edits.
 */
export const bucketKeys = {
  channelSends: (channelId: string) => `POST /channels/${channelId}/messages`,
  channelEdits: (channelId: string) => `PATCH /channels/${channelId}/messages/:id`,
  webhookSends: (applicationId: string, token: string) => `POST /webhooks/${applicationId}/${token}`,
  webhookEdits: (applicationId: string, token: string) => `PATCH /webhooks/${applicationId}/${token}/messages/:id`,
};
