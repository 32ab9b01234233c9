import { randomUUID } from 'node:crypto';
import type { RedisScripts, SqlQuery, StoreConnection } from '../storage.js';

/** Who holds an action: a press running it now, or one that ran it (it may not run again). */
export type Holder = 'running' | 'used';

/** A press's hold on an action, taken in the store so that it holds across every process sharing it. */
export interface Claim {
  /** The action ran and may not run again, for `forMs` (the rest of the action's life). */
  used(forMs: number): Promise<void>;
  /** The action may run again (it failed, or it may be pressed again later). */
  release(): Promise<void>;
}

/**
 * Claims on actions, each taken in one atomic step of the store. A running claim lapses after its
 * lease, so that one held by a process that died frees itself.
 */
export interface Claims {
  /** The claim, or who holds it already. */
  take(id: string, leaseMs: number): Promise<Claim | Holder>;
}

/** Sets the claim when nobody holds it; otherwise says who does. */
const TAKE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'taken' end
local v = redis.call('GET', KEYS[1])
if v == 'used' then return 'used' end
return 'running'`;

/** Ends this press's claim only: one whose lease lapsed may be another press's by now. */
const END = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'release' then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], 'used', 'PX', ARGV[3])
return 1`;

/** A key per claimed action (`<namespace>:action-claim:<id>`): `SET NX PX` in a script, which every process sharing the Redis sees at once. */
class RedisClaims implements Claims {
  constructor(
    private readonly redis: RedisScripts,
    private readonly namespace: string,
  ) {}

  async take(id: string, leaseMs: number): Promise<Claim | Holder> {
    const key = `${this.namespace}:action-claim:${id}`;
    const token = randomUUID();
    const got = await this.redis.eval(TAKE, { keys: [key], arguments: [token, String(leaseMs)] });
    if (got !== 'taken') return got === 'used' ? 'used' : 'running';
    const end = (how: 'release' | 'used', forMs = 0) => this.redis.eval(END, { keys: [key], arguments: [token, how, String(Math.max(1, Math.round(forMs)))] }).then(() => undefined);
    return { used: (forMs) => end('used', forMs), release: () => end('release') };
  }
}

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS action_claims (id TEXT PRIMARY KEY, holder TEXT NOT NULL, token TEXT, expires INTEGER NOT NULL) WITHOUT ROWID',
  'CREATE INDEX IF NOT EXISTS action_claims_expires ON action_claims (expires)',
];

/**
 * A row per claimed action in the SQLite file. Taking one is a single `INSERT … ON CONFLICT DO
 * UPDATE … WHERE (the old claim lapsed) RETURNING`: SQLite runs it atomically under its write
 * lock, against other processes on the file too.
 */
class SqliteClaims implements Claims {
  private prunedBefore = 0;

  constructor(
    private readonly query: SqlQuery,
    private readonly now: () => number,
  ) {}

  async take(id: string, leaseMs: number): Promise<Claim | Holder> {
    const now = this.now();
    await this.prune(now);
    const token = randomUUID();
    const taken = await this.query(
      `INSERT INTO action_claims (id, holder, token, expires) VALUES (?, 'running', ?, ?)
       ON CONFLICT (id) DO UPDATE SET holder = 'running', token = excluded.token, expires = excluded.expires WHERE action_claims.expires <= ?
       RETURNING token`,
      id, token, now + leaseMs, now,
    );
    if (taken.length === 0) {
      const [held] = (await this.query('SELECT holder FROM action_claims WHERE id = ?', id)) as { holder: Holder }[];
      return held?.holder === 'used' ? 'used' : 'running';
    }
    return {
      used: (forMs) => this.query("UPDATE action_claims SET holder = 'used', token = NULL, expires = ? WHERE id = ? AND token = ?", this.now() + forMs, id, token).then(() => undefined),
      release: () => this.query('DELETE FROM action_claims WHERE id = ? AND token = ?', id, token).then(() => undefined),
    };
  }

  /** Forgets lapsed claims, at most once an hour per process (an indexed delete). */
  private async prune(now: number): Promise<void> {
    if (now < this.prunedBefore) return;
    this.prunedBefore = now + 3_600_000;
    await this.query('DELETE FROM action_claims WHERE expires <= ?', now);
  }
}

/** Claims on the store's own connection, beside the actions. */
export async function openClaims(connection: StoreConnection, now: () => number): Promise<Claims> {
  if (connection.kind === 'redis') return new RedisClaims(connection.client as RedisScripts, connection.namespace);
  for (const statement of SCHEMA) await connection.query(statement);
  return new SqliteClaims(connection.query, now);
}
