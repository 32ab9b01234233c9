import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import type { Store } from '../storage.js';
import type { UsageBackend } from './ledger.js';
import { RedisUsage, type RedisLike } from './usage-redis.js';
import { SqliteUsage } from './usage-sqlite.js';

/**
 * The counters' backend on the same connection as the store: Keyv has no atomic increment, so
 * the ledger talks to Redis or SQLite directly (and shares the store's namespace on Redis).
 */
export async function openUsage(store: Store, now: () => number): Promise<UsageBackend> {
  const adapter: unknown = store.store;
  if (adapter instanceof KeyvSqlite) return SqliteUsage.open((sql, ...params) => adapter.query(sql, ...params) as Promise<unknown[]>, now);
  if (adapter instanceof KeyvRedis) return new RedisUsage((await adapter.getClient()) as unknown as RedisLike, store.namespace ?? 'bot');
  throw new Error('usage counters need the SQLite or Redis store');
}
