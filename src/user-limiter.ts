import type { Precondition } from './preconditions.js';
import type { AdmitsUsers } from './shared-user-limiter.js';

export type Admission = { ok: true; release: () => void | Promise<void> } | { ok: false; reason: 'rate'; retryAfterMs: number } | { ok: false; reason: 'concurrent'; running: number };

export interface UserLimits {
  /** Requests a user may start per window. */
  maxRequests: number;
  windowMs: number;
  /** Answers a user may have streaming at once. */
  maxConcurrent: number;
}

/**
 * Per-user sliding-window rate limit and concurrency cap: every request spends someone's
 * OpenRouter credits, so one person can't monopolise them.
 */
export class UserLimiter {
  private readonly started = new Map<string, number[]>();
  private readonly running = new Map<string, number>();

  constructor(
    private readonly limits: UserLimits,
    private readonly now: () => number = Date.now,
  ) {}

  admit(userId: string): Admission {
    const now = this.now();
    const recent = (this.started.get(userId) ?? []).filter((t) => now - t < this.limits.windowMs);
    const running = this.running.get(userId) ?? 0;
    if (running >= this.limits.maxConcurrent) return { ok: false, reason: 'concurrent', running };
    if (recent.length >= this.limits.maxRequests) {
      this.started.set(userId, recent);
      return { ok: false, reason: 'rate', retryAfterMs: recent[0]! + this.limits.windowMs - now };
    }
    recent.push(now);
    this.started.set(userId, recent);
    this.running.set(userId, running + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.running.get(userId) ?? 1) - 1;
        if (left > 0) this.running.set(userId, left);
        else this.running.delete(userId);
        this.forgetIdle(userId);
      },
    };
  }

  /** Keeps memory bounded by active users, not by everyone who ever asked. */
  private forgetIdle(userId: string): void {
    const now = this.now();
    const recent = (this.started.get(userId) ?? []).filter((t) => now - t < this.limits.windowMs);
    if (recent.length === 0 && !this.running.has(userId)) this.started.delete(userId);
    else this.started.set(userId, recent);
  }

  get trackedUsers(): number {
    return new Set([...this.started.keys(), ...this.running.keys()]).size;
  }
}

export function explainRefusal(refusal: Exclude<Admission, { ok: true }>): string {
  if (refusal.reason === 'rate') {
    return `⏳ You’ve asked a lot in a short time. Try again in ${Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))} s.`;
  }
  return `⏳ You already have ${refusal.running} answer${refusal.running === 1 ? '' : 's'} in progress. Wait for it to finish (or press its Stop button), then ask again.`;
}

/** The user limits as a precondition: the slot is held until the answer ends. */
export function userLimits(limiter: AdmitsUsers): Precondition {
  return {
    async check({ userId, channelId }) {
      const admission = await limiter.admit(userId);
      if (!admission.ok) {
        return { ok: false, message: explainRefusal(admission), log: 'request refused by the user limits', details: { user: userId, channel: channelId, reason: admission.reason } };
      }
      return { ok: true, ticket: { finish: async () => await admission.release() } };
    },
  };
}
