import KeyvRedis from '@keyv/redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Store } from './storage.js';
import { UserLimiter, type Admission, type UserLimits } from './user-limiter.js';

/** Either limiter, as the preconditions use it. */
export interface AdmitsUsers {
  admit(userId: string): Admission | Promise<Admission>;
}

/**
 * A slot held by an answer that never ended (its process killed) frees itself after this long;
 * no answer streams longer (the idle timeout and Discord's 15-minute token see to that).
 */
const SLOT_LIFETIME_S = 20 * 60;

/**
 * The user limits held in Redis, so they hold across every process sharing it (shards on several
 * machines): the rate limit as a fixed window per user, the concurrency cap as a counter of
 * running answers, both with rate-limiter-flexible's atomic scripts.
 */
export class RedisUserLimiter implements AdmitsUsers {
  private readonly rate: RateLimiterRedis;
  private readonly running: RateLimiterRedis;

  constructor(client: unknown, namespace: string, private readonly limits: UserLimits) {
    const common = { storeClient: client, useRedisPackage: true } as const;
    this.rate = new RateLimiterRedis({ ...common, keyPrefix: `${namespace}:limits:rate`, points: limits.maxRequests, duration: Math.max(1, Math.round(limits.windowMs / 1000)) });
    this.running = new RateLimiterRedis({ ...common, keyPrefix: `${namespace}:limits:running`, points: limits.maxConcurrent, duration: SLOT_LIFETIME_S });
  }

  async admit(userId: string): Promise<Admission> {
    try {
      await this.running.consume(userId);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      // A refused consume still counted its point: give it back, or the cap would shrink.
      await this.running.reward(userId);
      return { ok: false, reason: 'concurrent', running: this.limits.maxConcurrent };
    }
    try {
      await this.rate.consume(userId);
    } catch (refusal) {
      await this.running.reward(userId);
      if (refusal instanceof RateLimiterRes) return { ok: false, reason: 'rate', retryAfterMs: refusal.msBeforeNext };
      throw refusal;
    }
    let released = false;
    return {
      ok: true,
      release: async () => {
        if (released) return;
        released = true;
        await this.running.reward(userId);
      },
    };
  }
}

/** In Redis when the store is Redis (several processes may share it); in this process otherwise. */
export async function openUserLimiter(store: Store, limits: UserLimits): Promise<AdmitsUsers> {
  const adapter: unknown = store.store;
  if (adapter instanceof KeyvRedis) return new RedisUserLimiter(await adapter.getClient(), store.namespace ?? 'bot', limits);
  return new UserLimiter(limits);
}
