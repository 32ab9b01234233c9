import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, countersOf, userCounter, type SpendRecord } from '../src/costs/ledger.js';
import { toNanos } from '../src/costs/money.js';
import { openUsage } from '../src/costs/open-usage.js';
import { RETENTION_DAYS } from '../src/costs/periods.js';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { openStore, type Store } from '../src/storage.js';
import { captureLogs } from './helpers/logs.js';
import { REDIS_URL, storeBackends } from './helpers/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'bot-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
// Near the real time: Redis expires a counter whose retention is over at once.
const T0 = Math.floor(Date.now() / DAY) * DAY + 12 * 3_600_000;
/** Another day of the same month. */
const OTHER_DAY = new Date(T0).getUTCDate() > 1 ? T0 - DAY : T0 + DAY;
let run = 0;

const record = (over: Partial<SpendRecord> = {}): SpendRecord => ({
  at: T0,
  userId: 'u1',
  guildId: 'g1',
  channelId: 'c1',
  model: 'openai/gpt-5',
  kind: 'chat',
  promptTokens: 10,
  completionTokens: 20,
  cost: toNanos(0.001),
  estimated: false,
  generationId: 'gen-1',
  ...over,
});

for (const backend of storeBackends(dir, 'usage counter tests')) {
  const available = await backend.available();
  describe.skipIf(!available)(`usage counters on ${backend.name}`, () => {
    /** Opens `processes` connections to one store, as that many bot processes would. */
    const open = async (processes = 1, now = () => T0) => {
      const url = backend.url();
      const namespace = `usage-test-${process.pid}-${Date.now()}-${++run}`;
      const stores: Store[] = [];
      const ledgers: Ledger[] = [];
      for (let i = 0; i < processes; i++) {
        const store = await openStore(url, captureLogs().logger, namespace);
        stores.push(store);
        ledgers.push(new Ledger(await openUsage(store, now)));
      }
      return { namespace, store: stores[0]!, ledgers, ledger: ledgers[0]!, close: () => Promise.all(stores.map((s) => s.disconnect())) };
    };

    /** Each request's own record, as kept for the day. */
    async function logOf(store: Store, namespace: string): Promise<{ kind: string; cost: number; model: string }[]> {
      if (backend.name === 'SQLite') return (await (store.store as KeyvSqlite).query('SELECT kind, cost, model FROM usage_log ORDER BY rowid')) as never;
      const client = (await (store.store as KeyvRedis<unknown>).getClient()) as unknown as { lRange(key: string, from: number, to: number): Promise<string[]> };
      const days = [...new Set([T0, OTHER_DAY].map((t) => new Date(t).toISOString().slice(0, 10)))];
      const entries = (await Promise.all(days.map((d) => client.lRange(`${namespace}:usage:log:${d}`, 0, -1)))).flat();
      return entries.map((e) => JSON.parse(e) as SpendRecord);
    }

    it('adds a request to its user, member, server, channel and model totals, with a breakdown by model, and keeps its record', async () => {
      const { namespace, store, ledger, close } = await open();
      await ledger.settle([record()], undefined);
      await ledger.settle([record({ model: 'google/gemini-3-pro-image-preview', kind: 'image', cost: toNanos(0.04), estimated: true })], undefined);
      await ledger.settle([record({ userId: 'u2', at: OTHER_DAY })], undefined);
      const keys = countersOf(record()).map((c) => c.key);
      const totals = await ledger.read(keys);
      const [user, member, server, month, channel, model] = totals;
      expect(user).toMatchObject({ requests: 2, promptTokens: 20, completionTokens: 40, cost: toNanos(0.041), reserved: 0, estimated: 1 });
      expect(user!.models.get('google/gemini-3-pro-image-preview')).toEqual({ requests: 1, tokens: 30, cost: toNanos(0.04) });
      expect(member!.cost).toBe(toNanos(0.041));
      expect(server!.requests).toBe(2);
      expect(month!.requests).toBe(3);
      expect(channel!.requests).toBe(2);
      expect(model!.requests).toBe(1);
      expect(model!.models.size).toBe(0);
      const log = await logOf(store, namespace);
      expect(log.filter((r) => r.kind === 'image').map((r) => [r.model, r.cost])).toEqual([['google/gemini-3-pro-image-preview', toNanos(0.04)]]);
      expect(log).toHaveLength(3);
      await close();
    });

    it('reserves only while every counter has room, and settling releases the reservation and adds the real cost at once', async () => {
      const { ledger, close } = await open();
      const user = userCounter(record(), T0);
      const limit = toNanos(0.01);
      const first = await ledger.reserve([{ key: user, limit }], toNanos(0.006));
      expect(first.ok).toBe(true);
      // 0.006 reserved < 0.01: still room, so a second is admitted; then it is full.
      const second = await ledger.reserve([{ key: user, limit }], toNanos(0.006));
      expect(second.ok).toBe(true);
      const third = await ledger.reserve([{ key: user, limit }], toNanos(0.006));
      expect(third).toMatchObject({ ok: false, index: 0, totals: { cost: 0, reserved: toNanos(0.012) } });
      if (!first.ok || !second.ok) throw new Error('unreachable');
      await ledger.settle([record({ cost: toNanos(0.002) })], first.reservation);
      const [after] = await ledger.read([user]);
      expect(after).toMatchObject({ cost: toNanos(0.002), reserved: toNanos(0.006), requests: 1 });
      await ledger.settle([record({ cost: toNanos(0.002) })], second.reservation);
      expect((await ledger.reserve([{ key: user, limit }], toNanos(0.006))).ok).toBe(true);
      await close();
    });

    it('settles several upstream requests of one request (an /imagine’s images) at once: each counted and kept, the reservation released once', async () => {
      const { namespace, store, ledger, close } = await open();
      const user = userCounter(record(), T0);
      const reserved = await ledger.reserve([{ key: user, limit: toNanos(1) }], toNanos(0.3));
      if (!reserved.ok) throw new Error('expected room');
      const images = [
        record({ kind: 'image', cost: toNanos(0.04), generationId: 'gen-a' }),
        record({ kind: 'image', cost: toNanos(0.05), promptTokens: 7, completionTokens: 1290, estimated: true, generationId: 'gen-b' }),
      ];
      await ledger.settle(images, reserved.reservation);
      const [totals] = await ledger.read([user]);
      expect(totals).toMatchObject({ requests: 2, promptTokens: 17, completionTokens: 1310, cost: toNanos(0.09), reserved: 0, estimated: 1 });
      expect(totals!.models.get('openai/gpt-5')).toEqual({ requests: 2, tokens: 1327, cost: toNanos(0.09) });
      expect((await logOf(store, namespace)).map((r) => [r.kind, r.cost])).toEqual([
        ['image', toNanos(0.04)],
        ['image', toNanos(0.05)],
      ]);
      await close();
    });

    it('refuses on a zero limit, names the full counter among several, and changes nothing when it refuses', async () => {
      const { ledger, close } = await open();
      const user = userCounter(record(), T0);
      const server = countersOf(record())[2]!.key;
      await ledger.settle([record({ cost: toNanos(1) })], undefined);
      const refused = await ledger.reserve([{ key: user, limit: toNanos(5) }, { key: server, limit: toNanos(1) }], toNanos(0.5));
      expect(refused).toMatchObject({ ok: false, index: 1 });
      expect((await ledger.read([user]))[0]!.reserved).toBe(0);
      const fresh = { ...user, id: 'nobody' };
      expect(await ledger.reserve([{ key: fresh, limit: 0 }], 1)).toMatchObject({ ok: false, index: 0 });
      await close();
    });

    it('holds the burst bound with two processes reserving at once: admitted at most up to the limit plus one reservation', async () => {
      const { ledgers, ledger, close } = await open(2);
      const user = userCounter(record(), T0);
      const limit = toNanos(0.1);
      await ledger.settle([record({ cost: toNanos(0.09) })], undefined);
      const each = toNanos(0.003);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ledgers[i % 2]!.reserve([{ key: user, limit }], each)));
      const admitted = results.filter((r) => r.ok).length;
      // 0.01 of room: 0.09 + 3 × 0.003 = 0.099 < 0.1, so the 4th is admitted too, and no more.
      expect(admitted).toBe(4);
      const [totals] = await ledger.read([user]);
      expect(totals!.cost + totals!.reserved).toBeLessThan(limit + each);
      await close();
    });

    it(`keeps counters ${RETENTION_DAYS} days past their period, then forgets them`, async () => {
      let now = T0;
      const { namespace, ledger, close } = await open(1, () => now);
      await ledger.settle([record()], undefined);
      const user = userCounter(record(), T0);
      if (backend.name === 'Redis') {
        const { createClient } = await import('@redis/client');
        const client = await createClient({ url: REDIS_URL }).connect();
        const expiry = await client.pExpireTime(`${namespace}:usage:${user.period}:user:u1`);
        expect(expiry).toBe(Math.floor(T0 / DAY) * DAY + (RETENTION_DAYS + 1) * DAY);
        await client.close();
      } else {
        now = T0 + (RETENTION_DAYS - 1) * DAY;
        await ledger.settle([record({ at: now, userId: 'later' })], undefined);
        expect((await ledger.read([user]))[0]!.requests).toBe(1);
        now = T0 + (RETENTION_DAYS + 1) * DAY;
        await ledger.settle([record({ at: now, userId: 'later' })], undefined);
        expect((await ledger.read([user]))[0]!.requests).toBe(0);
      }
      await close();
    });
  });
}
