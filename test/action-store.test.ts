/**
 * Button actions on a real store, as several bot processes share it: a press claims its action in
 * the store, so a double press runs once whichever processes the two presses reach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ActionStore } from '../src/actions/action-store.js';
import { LONGEST_RUN_MS } from '../src/running-answers.js';
import { closeStore, openStore, type Store } from '../src/storage.js';
import { Gate } from './fakes/openrouter.js';
import { captureLogs } from './helpers/logs.js';
import { storeBackends } from './helpers/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'bot-actions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let run = 0;
const HOUR = 3_600_000;

for (const backend of storeBackends(dir, 'button action tests')) {
  const available = await backend.available();
  describe.skipIf(!available)(`button actions on ${backend.name}`, () => {
    /** Two bot processes on one store, with a clock the test moves, and an action saved by the first. */
    const open = async () => {
      const url = backend.url();
      const namespace = `actions-test-${process.pid}-${Date.now()}-${++run}`;
      const clock = { now: Date.now() };
      const stores: Store[] = [];
      const actions: ActionStore[] = [];
      for (let i = 0; i < 2; i++) {
        const store = await openStore(url, captureLogs().logger, namespace);
        stores.push(store);
        actions.push(await ActionStore.open(store, HOUR, () => clock.now));
      }
      const [a, b] = actions as [ActionStore, ActionStore];
      const id = a.newId();
      await a.save(id, 'u1', { prompt: 'q' });
      return { clock, a, b, id, close: () => Promise.all(stores.map((s) => closeStore(s, captureLogs().logger))) };
    };

    it('runs a double press once across two processes: the other press is told it is running, a later one that it was used', async () => {
      const { a, b, id, close } = await open();
      const gate = new Gate('first press');
      const ran: string[] = [];
      const task = (who: string) => async () => {
        ran.push(who);
        gate.markReached();
        await gate.opened;
        return 'used' as const;
      };
      const first = a.once(id, task('a'));
      await gate.reached;
      const [second, third] = await Promise.all([b.once(id, task('b')), a.once(id, task('a again'))]).finally(() => gate.open());
      expect(second).toEqual({ ok: false, reason: 'busy' });
      expect(third).toEqual({ ok: false, reason: 'busy' });
      expect(await first).toMatchObject({ ok: true, action: { askerId: 'u1', data: { prompt: 'q' } } });
      expect(await b.once(id, task('b later'))).toEqual({ ok: false, reason: 'used' });
      expect(ran).toEqual(['a']);
      await close();
    });

    it('runs once when two processes press at the same moment', async () => {
      const { a, b, id, close } = await open();
      let runs = 0;
      const task = async () => {
        runs++;
        return 'used' as const;
      };
      const results = await Promise.all([a.once(id, task), b.once(id, task), a.once(id, task), b.once(id, task)]);
      expect(runs).toBe(1);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      await close();
    });

    it('lets the next press run when the task failed or left the action ready', async () => {
      const { a, b, id, close } = await open();
      await expect(a.once(id, () => Promise.reject(new Error('Discord is down')))).rejects.toThrow('Discord is down');
      expect(await b.once(id, async () => 'ready')).toMatchObject({ ok: true });
      expect(await a.once(id, async () => 'used')).toMatchObject({ ok: true });
      expect(await b.once(id, async () => 'used')).toEqual({ ok: false, reason: 'used' });
      expect(await b.once(b.newId(), async () => 'used')).toEqual({ ok: false, reason: 'expired' });
      await close();
    });

    it.skipIf(backend.name !== 'SQLite')('frees a claim whose process died once its lease is over', async () => {
      const { clock, a, b, id, close } = await open();
      // A press whose process is killed mid-task: its claim is never ended.
      const gate = new Gate('killed press');
      void a.once(id, () => {
        gate.markReached();
        return new Promise<'used'>(() => undefined);
      });
      await gate.reached;
      expect(await b.once(id, async () => 'ready')).toEqual({ ok: false, reason: 'busy' });
      clock.now += LONGEST_RUN_MS - 1;
      expect(await b.once(id, async () => 'ready')).toEqual({ ok: false, reason: 'busy' });
      clock.now += 1;
      expect(await b.once(id, async () => 'used')).toMatchObject({ ok: true });
      await close();
    });
  });
}
