import { dayExpiry, dayKey } from './periods.js';
import { emptyTotals, expiryOf, type CounterKey, type Settlement, type Totals, type UsageBackend } from './ledger.js';
import type { Nanos } from './money.js';
import type { SqlQuery } from '../storage.js';

/** A row per counter and model ('' for the counter's own totals). */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS usage_totals (
    period TEXT NOT NULL, dim TEXT NOT NULL, id TEXT NOT NULL, model TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost INTEGER NOT NULL DEFAULT 0, reserved INTEGER NOT NULL DEFAULT 0, estimated INTEGER NOT NULL DEFAULT 0,
    expires INTEGER NOT NULL,
    PRIMARY KEY (period, dim, id, model)
  ) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS usage_totals_expires ON usage_totals (expires)',
  `CREATE TABLE IF NOT EXISTS usage_log (
    at INTEGER NOT NULL, user_id TEXT NOT NULL, guild_id TEXT, channel_id TEXT NOT NULL, model TEXT NOT NULL, kind TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost INTEGER NOT NULL, estimated INTEGER NOT NULL,
    generation_id TEXT, expires INTEGER NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS usage_log_at ON usage_log (at)',
  'CREATE INDEX IF NOT EXISTS usage_log_expires ON usage_log (expires)',
];

interface Row {
  period: string;
  dim: string;
  id: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  reserved: number;
  estimated: number;
}

/**
 * Counters in the SQLite file the conversations live in, next to Keyv's table. Every change is a
 * single statement (SQLite runs each one atomically, holding the write lock, also against other
 * processes on the same file): a reservation checks every limit and reserves on every counter in
 * one `INSERT … SELECT … WHERE NOT EXISTS (a full counter) ON CONFLICT DO UPDATE`, and a
 * settlement adds to every counter in one multi-row upsert.
 */
export class SqliteUsage implements UsageBackend {
  private prunedBefore = 0;

  private constructor(
    private readonly query: SqlQuery,
    private readonly now: () => number,
  ) {}

  static async open(query: SqlQuery, now: () => number): Promise<SqliteUsage> {
    for (const statement of SCHEMA) await query(statement);
    return new SqliteUsage(query, now);
  }

  async reserve(limits: readonly { key: CounterKey; limit: Nanos }[], amount: Nanos): Promise<number> {
    if (limits.length === 0) return -1;
    const values = limits.map(() => '(?, ?, ?, ?, ?)').join(', ');
    const params = limits.flatMap(({ key, limit }) => [key.period, key.dim, key.id, limit, expiryOf(key.period)]);
    const reserved = await this.query(
      `WITH l (period, dim, id, lim, expires) AS (VALUES ${values})
       INSERT INTO usage_totals (period, dim, id, model, reserved, expires)
       SELECT period, dim, id, '', ?, expires FROM l
       WHERE NOT EXISTS (
         SELECT 1 FROM l AS full LEFT JOIN usage_totals t ON t.period = full.period AND t.dim = full.dim AND t.id = full.id AND t.model = ''
         WHERE COALESCE(t.cost, 0) + COALESCE(t.reserved, 0) >= full.lim)
       ON CONFLICT (period, dim, id, model) DO UPDATE SET reserved = reserved + excluded.reserved
       RETURNING dim`,
      ...params,
      amount,
    );
    if (reserved.length === limits.length) return -1;
    // Refused: say which counter. It may have room again by now; then name the fullest.
    const totals = await this.read(limits.map((l) => l.key));
    const fill = totals.map((t, i) => t.cost + t.reserved - limits[i]!.limit);
    return fill.indexOf(Math.max(...fill));
  }

  async settle({ records, release }: Settlement): Promise<void> {
    const rows = new Map<string, { key: CounterKey; model: string; requests: number; prompt: number; completion: number; cost: Nanos; reserved: Nanos; estimated: number }>();
    const row = (key: CounterKey, model: string) => {
      const id = JSON.stringify([key.period, key.dim, key.id, model]);
      let r = rows.get(id);
      if (!r) rows.set(id, (r = { key, model, requests: 0, prompt: 0, completion: 0, cost: 0, reserved: 0, estimated: 0 }));
      return r;
    };
    for (const { record, add } of records) {
      for (const { key, models } of add) {
        for (const r of models ? [row(key, ''), row(key, record.model)] : [row(key, '')]) {
          r.requests += 1;
          r.prompt += record.promptTokens;
          r.completion += record.completionTokens;
          r.cost += record.cost;
          r.estimated += record.estimated ? 1 : 0;
        }
      }
    }
    for (const key of release?.keys ?? []) row(key, '').reserved -= release!.amount;
    const list = [...rows.values()];
    await this.query(
      `INSERT INTO usage_totals (period, dim, id, model, requests, prompt_tokens, completion_tokens, cost, reserved, estimated, expires)
       VALUES ${list.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (period, dim, id, model) DO UPDATE SET
         requests = requests + excluded.requests, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
         completion_tokens = completion_tokens + excluded.completion_tokens, cost = cost + excluded.cost,
         reserved = reserved + excluded.reserved, estimated = estimated + excluded.estimated`,
      ...list.flatMap((r) => [r.key.period, r.key.dim, r.key.id, r.model, r.requests, r.prompt, r.completion, r.cost, r.reserved, r.estimated, expiryOf(r.key.period)]),
    );
    if (records.length === 0) return;
    await this.query(
      `INSERT INTO usage_log (at, user_id, guild_id, channel_id, model, kind, prompt_tokens, completion_tokens, cost, estimated, generation_id, expires)
       VALUES ${records.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      ...records.flatMap(({ record: r }) => [
        r.at, r.userId, r.guildId, r.channelId, r.model, r.kind, r.promptTokens, r.completionTokens, r.cost, r.estimated ? 1 : 0, r.generationId ?? null, dayExpiry(dayKey(r.at)),
      ]),
    );
    await this.prune();
  }

  async read(keys: readonly CounterKey[]): Promise<Totals[]> {
    if (keys.length === 0) return [];
    const rows = (await this.query(
      `SELECT period, dim, id, model, requests, prompt_tokens, completion_tokens, cost, reserved, estimated FROM usage_totals
       WHERE (period, dim, id) IN (VALUES ${keys.map(() => '(?, ?, ?)').join(', ')})`,
      ...keys.flatMap((k) => [k.period, k.dim, k.id]),
    )) as Row[];
    return keys.map((key) => {
      const totals = emptyTotals();
      for (const r of rows) {
        if (r.period !== key.period || r.dim !== key.dim || r.id !== key.id) continue;
        if (r.model === '') {
          Object.assign(totals, { requests: r.requests, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, cost: r.cost, reserved: r.reserved, estimated: r.estimated });
        } else {
          totals.models.set(r.model, { requests: r.requests, tokens: r.prompt_tokens + r.completion_tokens, cost: r.cost });
        }
      }
      return totals;
    });
  }

  /** Forgets what is past its retention, at most once an hour per process (an indexed delete). */
  private async prune(): Promise<void> {
    const now = this.now();
    if (now < this.prunedBefore) return;
    this.prunedBefore = now + 3_600_000;
    await this.query('DELETE FROM usage_totals WHERE expires < ?', now);
    await this.query('DELETE FROM usage_log WHERE expires < ?', now);
  }
}
