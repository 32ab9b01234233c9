import { dayExpiry, dayKey, monthExpiry, monthKey } from './periods.js';
import type { Nanos } from './money.js';

export type SpendKind = 'chat' | 'image';

/** One request's bill, as the ledger keeps it. */
export interface SpendRecord {
  /** When the request started: its cost counts on that day, the day its reservation was made. */
  at: number;
  userId: string;
  guildId: string | null;
  channelId: string;
  model: string;
  kind: SpendKind;
  promptTokens: number;
  completionTokens: number;
  cost: Nanos;
  /** OpenRouter never said what it cost: this is the bot's estimate from the text it got. */
  estimated: boolean;
  generationId: string | undefined;
}

export type Dimension = 'user' | 'member' | 'server' | 'channel' | 'model';

/** A counter: one thing's totals over one UTC day (`d:2026-01-31`) or month (`m:2026-01`). */
export interface CounterKey {
  period: string;
  dim: Dimension;
  id: string;
}

export interface ModelTotals {
  requests: number;
  tokens: number;
  cost: Nanos;
}

export interface Totals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cost: Nanos;
  /** Worst-case costs of requests still running. */
  reserved: Nanos;
  /** Requests whose cost is an estimate. */
  estimated: number;
  /** Per model; kept for users, members and servers. */
  models: Map<string, ModelTotals>;
}

export const emptyTotals = (): Totals => ({ requests: 0, promptTokens: 0, completionTokens: 0, cost: 0, reserved: 0, estimated: 0, models: new Map() });

/** A counter a record adds to; `models`: its per-model breakdown too. */
export interface CounterAdd {
  key: CounterKey;
  models: boolean;
}

/** What settling a request changes, in one atomic step. */
export interface Settlement {
  /**
   * One record per request OpenRouter billed (an /imagine on a chat model sends one per image),
   * each with the counters it adds to; none: the request was never billed, only its reservation goes.
   */
  records: { record: SpendRecord; add: CounterAdd[] }[];
  /** The request's reservation, released in the same step. */
  release: { keys: CounterKey[]; amount: Nanos } | undefined;
}

/** Where the counters live: Redis or SQLite, each with its own atomic operations. */
export interface UsageBackend {
  /**
   * Atomically: when every counter's cost plus reservations is under its limit, adds `amount` to
   * each one's reservations and resolves -1; otherwise changes nothing and resolves the index of
   * a counter that is full.
   */
  reserve(limits: readonly { key: CounterKey; limit: Nanos }[], amount: Nanos): Promise<number>;
  settle(settlement: Settlement): Promise<void>;
  read(keys: readonly CounterKey[]): Promise<Totals[]>;
}

export const dayPeriod = (ms: number) => `d:${dayKey(ms)}`;
export const monthPeriod = (ms: number) => `m:${monthKey(ms)}`;

/** When a counter may be forgotten (RETENTION_DAYS after its period ends). */
export function expiryOf(period: string): number {
  return period.startsWith('m:') ? monthExpiry(period.slice(2)) : dayExpiry(period.slice(2));
}

/** Who and where a request is, as far as its totals are concerned. */
export interface SpendPlace {
  userId: string;
  guildId: string | null;
  channelId: string;
}

export const userCounter = (p: SpendPlace, at: number): CounterKey => ({ period: dayPeriod(at), dim: 'user', id: p.userId });
export const memberCounter = (guildId: string, userId: string, at: number): CounterKey => ({ period: dayPeriod(at), dim: 'member', id: `${guildId}:${userId}` });
export const serverDayCounter = (guildId: string, at: number): CounterKey => ({ period: dayPeriod(at), dim: 'server', id: guildId });
export const serverMonthCounter = (guildId: string, at: number): CounterKey => ({ period: monthPeriod(at), dim: 'server', id: guildId });

/** Every counter a request adds to: the day's user, member, server, channel and model, and the server's month. */
export function countersOf(record: SpendRecord): CounterAdd[] {
  const { at, guildId } = record;
  return [
    { key: userCounter(record, at), models: true },
    ...(guildId
      ? [
          { key: memberCounter(guildId, record.userId, at), models: true },
          { key: serverDayCounter(guildId, at), models: true },
          { key: serverMonthCounter(guildId, at), models: false },
        ]
      : []),
    { key: { period: dayPeriod(at), dim: 'channel', id: record.channelId }, models: false },
    { key: { period: dayPeriod(at), dim: 'model', id: record.model }, models: false },
  ];
}

export const sameCounter = (a: CounterKey, b: CounterKey) => a.period === b.period && a.dim === b.dim && a.id === b.id;

export interface Reservation {
  keys: CounterKey[];
  amount: Nanos;
}

/** A budget that applies to a request: a counter and its limit. */
export interface LimitedCounter {
  key: CounterKey;
  limit: Nanos;
}

const holds = (r: Reservation | undefined): r is Reservation => r !== undefined && r.amount > 0 && r.keys.length > 0;

/**
 * The ledger: reserve a request's worst cost against the budgets that apply, then settle it to
 * what it really cost, recording it in every total it belongs to, in one atomic step.
 */
export class Ledger {
  constructor(private readonly backend: UsageBackend) {}

  /** Reserves `amount` on every counter, or names the first (by index) that has no room left. */
  async reserve(limits: readonly LimitedCounter[], amount: Nanos): Promise<{ ok: true; reservation: Reservation } | { ok: false; index: number; totals: Totals }> {
    const full = await this.backend.reserve(limits, amount);
    if (full === -1) return { ok: true, reservation: { keys: limits.map((l) => l.key), amount } };
    const [totals] = await this.backend.read([limits[full]!.key]);
    return { ok: false, index: full, totals: totals! };
  }

  /**
   * Records what each of a request's upstream requests really cost and releases its reservation
   * (if any) in the same step; with no records, a request that was never billed gives it back.
   */
  async settle(records: readonly SpendRecord[], reservation: Reservation | undefined): Promise<void> {
    const release = holds(reservation) ? reservation : undefined;
    if (records.length === 0 && !release) return;
    await this.backend.settle({ records: records.map((record) => ({ record, add: countersOf(record) })), release });
  }

  read(keys: readonly CounterKey[]): Promise<Totals[]> {
    return this.backend.read(keys);
  }
}
