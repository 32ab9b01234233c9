import { dayKey, dayExpiry } from './periods.js';
import { emptyTotals, expiryOf, type CounterKey, type Settlement, type Totals, type UsageBackend } from './ledger.js';
import type { Nanos } from './money.js';
import type { RedisScripts } from '../storage.js';

/** The few commands of `@redis/client` used here (a client, a cluster or a sentinel all have them). */
export interface RedisLike extends RedisScripts {
  hGetAll(key: string): Promise<Record<string, string>>;
}

/** Checks every limit, then reserves on every counter: one script, so nothing runs in between. */
const RESERVE = `
local n = #KEYS
for i = 1, n do
  local v = redis.call('HMGET', KEYS[i], 'cost', 'reserved')
  if (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) >= tonumber(ARGV[1 + i]) then return i end
end
for i = 1, n do
  redis.call('HINCRBY', KEYS[i], 'reserved', ARGV[1])
  redis.call('PEXPIREAT', KEYS[i], ARGV[1 + n + i])
end
return 0`;

/** ARGV: counters, then per counter its expiry, its field count and field/delta pairs; then for each log key after the counters, its entry and expiry. */
const SETTLE = `
local n = tonumber(ARGV[1])
local a = 2
for i = 1, n do
  local expires = ARGV[a]
  local fields = tonumber(ARGV[a + 1])
  a = a + 2
  for f = 1, fields do
    redis.call('HINCRBY', KEYS[i], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call('PEXPIREAT', KEYS[i], expires)
end
for i = n + 1, #KEYS do
  redis.call('RPUSH', KEYS[i], ARGV[a])
  redis.call('PEXPIREAT', KEYS[i], ARGV[a + 1])
  a = a + 2
end
return 1`;

const TOTAL_FIELDS = { requests: 'requests', promptTokens: 'prompt', completionTokens: 'completion', cost: 'cost', reserved: 'reserved', estimated: 'estimated' } as const;

/**
 * Counters as Redis hashes, one per counter (`<namespace>:usage:d:2026-01-31:user:<id>`), with the
 * per-model breakdown as `model:<id>:cost`-style fields, expiring RETENTION_DAYS after their
 * period; each request's record goes to a list per day. Reserving and settling are Lua scripts:
 * atomic for every process sharing the Redis, with integer HINCRBY (nano-dollars) so nothing is
 * lost to rounding.
 */
export class RedisUsage implements UsageBackend {
  constructor(
    private readonly redis: RedisLike,
    private readonly namespace: string,
  ) {}

  private key(k: CounterKey): string {
    return `${this.namespace}:usage:${k.period}:${k.dim}:${k.id}`;
  }

  async reserve(limits: readonly { key: CounterKey; limit: Nanos }[], amount: Nanos): Promise<number> {
    if (limits.length === 0) return -1;
    const full = Number(
      await this.redis.eval(RESERVE, {
        keys: limits.map((l) => this.key(l.key)),
        arguments: [String(amount), ...limits.map((l) => String(l.limit)), ...limits.map((l) => String(expiryOf(l.key.period)))],
      }),
    );
    return full - 1;
  }

  async settle({ records, release }: Settlement): Promise<void> {
    const fields = new Map<string, { key: CounterKey; deltas: Map<string, number> }>();
    const of = (key: CounterKey) => {
      const name = this.key(key);
      let entry = fields.get(name);
      if (!entry) fields.set(name, (entry = { key, deltas: new Map() }));
      return entry.deltas;
    };
    const bump = (deltas: Map<string, number>, field: string, by: number) => by !== 0 && deltas.set(field, (deltas.get(field) ?? 0) + by);
    for (const { record: r, add } of records) {
      for (const { key, models } of add) {
        const d = of(key);
        bump(d, 'requests', 1);
        bump(d, 'prompt', r.promptTokens);
        bump(d, 'completion', r.completionTokens);
        bump(d, 'cost', r.cost);
        bump(d, 'estimated', r.estimated ? 1 : 0);
        if (models) {
          bump(d, `model:${r.model}:requests`, 1);
          bump(d, `model:${r.model}:tokens`, r.promptTokens + r.completionTokens);
          bump(d, `model:${r.model}:cost`, r.cost);
        }
      }
    }
    for (const key of release?.keys ?? []) bump(of(key), 'reserved', -release!.amount);
    const entries = [...fields.entries()];
    const args = [String(entries.length)];
    for (const [, { key, deltas }] of entries) {
      args.push(String(expiryOf(key.period)), String(deltas.size));
      for (const [field, by] of deltas) args.push(field, String(by));
    }
    const keys = entries.map(([name]) => name);
    for (const { record } of records) {
      const day = dayKey(record.at);
      keys.push(`${this.namespace}:usage:log:${day}`);
      args.push(JSON.stringify(record), String(dayExpiry(day)));
    }
    await this.redis.eval(SETTLE, { keys, arguments: args });
  }

  async read(keys: readonly CounterKey[]): Promise<Totals[]> {
    const hashes = await Promise.all(keys.map((k) => this.redis.hGetAll(this.key(k))));
    return hashes.map((hash) => {
      const totals = emptyTotals();
      for (const [name, field] of Object.entries(TOTAL_FIELDS)) totals[name as keyof typeof TOTAL_FIELDS] = Number(hash[field] ?? 0);
      for (const [field, value] of Object.entries(hash)) {
        const m = /^model:(.+):(requests|tokens|cost)$/.exec(field);
        if (!m) continue;
        const entry = totals.models.get(m[1]!) ?? { requests: 0, tokens: 0, cost: 0 };
        entry[m[2] as 'requests' | 'tokens' | 'cost'] = Number(value);
        totals.models.set(m[1]!, entry);
      }
      return totals;
    });
  }
}
