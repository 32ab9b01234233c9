/**
 * Rate-limit buckets, enforced with the real clock: every answer carries Discord's X-RateLimit-*
 * headers, and an exhausted bucket answers a real 429.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Reply } from './replies.js';

export type Limit = { limit: number; windowMs: number };
/**
 * A bucket's configuration, the key its counter lives under and, when it is not the route's own,
 * the hash its answers name (Discord names some routes with separate counters alike).
 */
export type Bucket = { limit: Limit; key: string; hash?: string };

export function bucketHash(method: string, template: string): string {
  return createHash('sha1').update(`${method} ${template}`).digest('hex').slice(0, 32);
}

/** The major parameter discord.js keys its handlers on. */
export function majorParameter(path: string): string {
  const m = /^\/webhooks\/(\d{17,19}\/[^/?]+)|^\/(?:channels|guilds|webhooks)\/(\d{17,19})/.exec(path);
  return m?.[2] ?? m?.[1] ?? 'global';
}

/** The body of a 429 (discord.js reads the headers; other clients read this). */
export function rateLimitBody(sec: number, global: boolean): { message: string; retry_after: number; global: boolean } {
  return { message: 'You are being rate limited.', retry_after: Number(sec.toFixed(3)), global };
}

export class RateLimits {
  private readonly buckets = new Map<string, { count: number; resetAt: number }>();

  /** Consumes one request from a bucket; returns ms until reset if it is exhausted. */
  consume(bucket: Bucket, now: number): number | undefined {
    let st = this.buckets.get(bucket.key);
    if (!st || now >= st.resetAt) {
      st = { count: 0, resetAt: now + bucket.limit.windowMs };
      this.buckets.set(bucket.key, st);
    }
    if (st.count >= bucket.limit.limit) return Math.max(1, st.resetAt - now);
    st.count++;
    return undefined;
  }

  /** When the last window of any bucket that has been spent from ends (performance.now() clock). */
  get restingAt(): number {
    let at = 0;
    for (const st of this.buckets.values()) at = Math.max(at, st.resetAt);
    return at;
  }

  withBucket(reply: Reply, bucket: Bucket, hash: string, arrival: number): Reply {
    const st = this.buckets.get(bucket.key) ?? { count: 0, resetAt: arrival + bucket.limit.windowMs };
    const resetAfterMs = Math.max(0, Math.ceil(st.resetAt - performance.now()));
    return {
      ...reply,
      headers: {
        'X-RateLimit-Bucket': hash,
        'X-RateLimit-Limit': String(bucket.limit.limit),
        'X-RateLimit-Remaining': String(Math.max(0, bucket.limit.limit - st.count)),
        'X-RateLimit-Reset': ((Date.now() + resetAfterMs) / 1000).toFixed(3),
        'X-RateLimit-Reset-After': (resetAfterMs / 1000).toFixed(3),
        ...reply.headers,
      },
    };
  }

  /**
   * Counts a request against the bot's global limit; returns ms until its window ends when the
   * window is full. Discord counts every route but the interaction endpoints.
   */
  consumeGlobal(limit: Limit, token: string, now: number): number | undefined {
    return this.consume({ limit, key: `global:${token}` }, now);
  }

  /** Discord's answer past the global limit: no bucket headers, `global` in the body and the headers. */
  globallyLimited(msLeft: number): Reply {
    const sec = msLeft / 1000;
    return {
      status: 429,
      headers: { 'Retry-After': String(Math.ceil(sec)), 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' },
      body: rateLimitBody(sec, true),
    };
  }

  rateLimited(bucket: Bucket, hash: string, msLeft: number): Reply {
    const sec = msLeft / 1000;
    return {
      status: 429,
      headers: {
        'Retry-After': String(Math.ceil(sec)),
        'X-RateLimit-Bucket': hash,
        'X-RateLimit-Limit': String(bucket.limit.limit),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': ((Date.now() + msLeft) / 1000).toFixed(3),
        'X-RateLimit-Reset-After': sec.toFixed(3),
        'X-RateLimit-Scope': 'user',
      },
      body: rateLimitBody(sec, false),
    };
  }
}
