import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { LONGEST_RUN_MS } from './running-answers.js';
import { storeConnection, type Store } from './storage.js';
import { UserLimiter, type Admission, type UserLimits } from './user-limiter.js';

/** Either limiter, as the preconditions use it. */
export interface AdmitsUsers {
  admit(userId: string): Admission | Promise<Admission>;
}

/** A slot held by an answer that never ended (its process killed) frees itself after this long. */
const SLOT_LIFETIME_S = LONGEST_RUN_MS / 1000;

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
  const connection = await storeConnection(store);
  if (connection.kind === 'redis') return new RedisUserLimiter(connection.client, connection.namespace, limits);
  return new UserLimiter(limits);
}
