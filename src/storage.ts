import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import type { Logger } from './logger.js';

export type Store = Keyv;

/** `@keyv/sqlite`'s `query`: one statement, its rows. */
export type SqlQuery = (sql: string, ...params: unknown[]) => Promise<unknown[]>;

/** The one command of `@redis/client` every atomic operation here runs: a Lua script. */
export interface RedisScripts {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * The store's own connection, for what Keyv has no atomic operation for (usage counters, button
 * claims): SQL on the SQLite file, or the Redis client with the store's namespace for its keys.
 */
export type StoreConnection = { kind: 'sqlite'; query: SqlQuery } | { kind: 'redis'; client: unknown; namespace: string };

export async function storeConnection(store: Store): Promise<StoreConnection> {
  const adapter: unknown = store.store;
  if (adapter instanceof KeyvSqlite) return { kind: 'sqlite', query: (sql, ...params) => adapter.query(sql, ...params) as Promise<unknown[]> };
  const { default: KeyvRedis } = await redisAdapter();
  if (adapter instanceof KeyvRedis) return { kind: 'redis', client: await adapter.getClient(), namespace: store.namespace ?? 'bot' };
  throw new Error('atomic operations need the SQLite or Redis store');
}

/** Loaded only for a Redis store: with @redis/client it is about a tenth of a second of CPU at start. */
const redisAdapter = () => import('@keyv/redis');

/** Long enough for a healthy store to flush and close; a dead one must not hold up an exit. */
const CLOSE_TIMEOUT_MS = 3_000;

/** Closes the store, giving up after a few seconds when it no longer answers (a Redis gone away). */
export async function closeStore(store: Store, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS)));
  try {
    const closed = await Promise.race([store.disconnect().then(() => 'closed' as const), gaveUp]);
    if (closed === 'timeout') logger.warn('the store did not close in time; leaving it');
  } catch (err) {
    logger.warn({ err }, 'the store failed to close');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens the Keyv store named by DATABASE_URL and proves it answers, so a wrong URL fails at
 * start-up with a clear line instead of on the first /ask.
 */
export async function openStore(url: string, logger: Logger, namespace = 'bot'): Promise<Store> {
  let adapter: KeyvSqlite | KeyvRedis<unknown>;
  if (url.startsWith('sqlite://')) {
    const file = url.slice('sqlite://'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new KeyvSqlite({ uri: url, busyTimeout: 5_000 });
    // Write-ahead logging: a write is one append to the log instead of a journal round trip, and
    // readers don't wait for writers. NORMAL sync keeps every committed write across a crash of
    // the process (SIGKILL included); only a power cut may lose the last moments.
    await sqlite.query('PRAGMA journal_mode = WAL');
    await sqlite.query('PRAGMA synchronous = NORMAL');
    adapter = sqlite;
  } else {
    // By default the adapter swallows failures and answers "no value": a lost write would look
    // like an empty history. Make failures throw so the user is told instead.
    const { default: KeyvRedis } = await redisAdapter();
    adapter = new KeyvRedis(url, { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: 5_000 });
  }
  const store = new Keyv({ store: adapter, namespace, throwOnErrors: true });
  store.on('error', (err: unknown) => logger.error({ err }, 'storage error'));
  await store.get('__ping__');
  return store;
}
