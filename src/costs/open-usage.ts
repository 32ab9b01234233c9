import { storeConnection, type Store } from '../storage.js';
import type { UsageBackend } from './ledger.js';
import { RedisUsage, type RedisLike } from './usage-redis.js';
import { SqliteUsage } from './usage-sqlite.js';

/**
 * The counters' backend on the same connection as the store: Keyv has no atomic increment, so
 * the ledger talks to Redis or SQLite directly (and shares the store's namespace on Redis).
 */
export async function openUsage(store: Store, now: () => number): Promise<UsageBackend> {
  const connection = await storeConnection(store);
  if (connection.kind === 'sqlite') return SqliteUsage.open(connection.query, now);
  return new RedisUsage(connection.client as RedisLike, connection.namespace);
}
