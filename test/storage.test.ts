import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelHistory, MAX_STORED_EXCHANGES, PRUNE_BATCH } from '../src/conversation/history.js';
import type { Turn } from '../src/conversation/turns.js';
import { openStore } from '../src/storage.js';
import { captureLogs } from './helpers/logs.js';
import { REDIS_URL, redisAvailable } from './helpers/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'bot-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const turn = (role: Turn['role'], content: string): Turn => ({ role, content, at: 1 });
const namespace = `test-${process.pid}-${Date.now()}`;

const backends = [
  { name: 'SQLite', url: () => `sqlite://${join(dir, 'history.sqlite')}`, available: async () => true },
  { name: 'Redis', url: () => REDIS_URL, available: () => redisAvailable('Redis storage tests') },
];

for (const backend of backends) {
  const available = await backend.available();
  describe.skipIf(!available)(`channel history on ${backend.name}`, () => {
    const open = async () => {
      const store = await openStore(backend.url(), captureLogs().logger, namespace);
      return { store, history: new ChannelHistory(store) };
    };

    it('appends, loads in order, and keeps channels apart', async () => {
      const { store, history } = await open();
      await history.append('c1', [turn('user', 'hi'), turn('assistant', 'hello')]);
      await history.append('c2', [turn('user', 'other channel')]);
      await history.append('c1', [turn('user', 'again'), turn('assistant', 'yes')]);
      expect((await history.load('c1')).map((t) => t.content)).toEqual(['hi', 'hello', 'again', 'yes']);
      expect((await history.load('c2')).map((t) => t.content)).toEqual(['other channel']);
      expect(await history.load('c3')).toEqual([]);
      await store.disconnect();
    });

    it('stores every one of many concurrent appends exactly once, pairs unbroken, in call order', async () => {
      const { store, history } = await open();
      await Promise.all(Array.from({ length: 40 }, (_, i) => history.append('busy', [turn('user', `q${i}`), turn('assistant', `a${i}`)])));
      const stored = (await history.load('busy')).map((t) => t.content);
      expect(stored).toEqual(Array.from({ length: 40 }, (_, i) => [`q${i}`, `a${i}`]).flat());
      await store.disconnect();
    });

    it('survives closing and reopening the store', async () => {
      const first = await open();
      await first.history.append('persist', [turn('user', 'remember me')]);
      await first.store.disconnect();
      const second = await open();
      expect((await second.history.load('persist')).map((t) => t.content)).toEqual(['remember me']);
      await second.store.disconnect();
    });

    it('keeps the bytes of the newest images only; older turns keep their text placeholder', async () => {
      const { store, history } = await open();
      const refs = [];
      for (let i = 0; i < 6; i++) {
        const ref = await history.saveImage('pics', { bytes: Buffer.from(`image ${i}`), mime: 'image/png' }, { name: `i${i}.png`, origin: 'user', sha: `${i}` });
        refs.push(ref);
        await history.append('pics', [{ ...turn('user', `[image: i${i}.png]`), images: [ref] }]);
      }
      expect((await history.snapshot('pics')).images.map((i) => i.name)).toEqual(['i2.png', 'i3.png', 'i4.png', 'i5.png']);
      expect((await history.load('pics'))[0]!.content).toBe('[image: i0.png]');
      expect(await history.loadImage('pics', refs[0]!.id)).toBeUndefined();
      expect(await history.loadImage('pics', refs[1]!.id)).toBeUndefined();
      expect((await history.loadImage('pics', refs[5]!.id))?.bytes.toString()).toBe('image 5');
      await history.reset('pics');
      expect(await history.loadImage('pics', refs[5]!.id)).toBeUndefined();
      expect((await history.snapshot('pics')).images).toEqual([]);
      await store.disconnect();
    });

    it('loads only the newest exchanges a budget needs, and drops the oldest past MAX_STORED_EXCHANGES in batches', async () => {
      const { store, history } = await open();
      const total = MAX_STORED_EXCHANGES + PRUNE_BATCH + 1;
      const many = Array.from({ length: total }, (_, i) => [turn('user', `question ${i} ${'x'.repeat(36)}`), turn('assistant', `answer ${i}`)]).flat();
      await history.append('long', many);
      const all = await history.load('long');
      expect(all).toHaveLength(MAX_STORED_EXCHANGES * 2);
      expect(all[0]!.content).toMatch(new RegExp(`^question ${PRUNE_BATCH + 1} `));
      expect(all.at(-1)!.content).toBe(`answer ${total - 1}`);
      // Below the batch, nothing more is dropped yet.
      await history.append('long', [turn('user', 'one more'), turn('assistant', 'ok')]);
      expect(await history.load('long')).toHaveLength(MAX_STORED_EXCHANGES * 2 + 2);

      const asked: string[] = [];
      const getMany = store.getMany.bind(store);
      store.getMany = ((keys: string[]) => {
        asked.push(...keys);
        return getMany(keys);
      }) as typeof store.getMany;
      const recent = await history.load('long', 100);
      store.getMany = getMany;
      // Each exchange costs ~24 tokens of the budget: a handful is enough, one page is read.
      expect(recent.length).toBeGreaterThan(4);
      expect(recent.length).toBeLessThan(20);
      expect(asked.length).toBeLessThanOrEqual(32);
      expect(recent.at(-1)!.content).toBe('ok');
      await history.reset('long');
      expect(await history.load('long')).toEqual([]);
      await store.disconnect();
    });

    it('reads a history stored in the old one-value shape, and writes the new one', async () => {
      const { store, history } = await open();
      const image = await history.saveImage('old', { bytes: Buffer.from('old image'), mime: 'image/png' }, { name: 'o.png', origin: 'user', sha: 'o' });
      await store.set('history:old', { v: 1, turns: [turn('user', 'old question'), { ...turn('assistant', 'old answer'), images: [image] }, turn('user', 'second'), turn('assistant', 'reply')] });
      expect((await history.load('old')).map((t) => t.content)).toEqual(['old question', 'old answer', 'second', 'reply']);
      expect(await store.get('history:old')).toBeUndefined();
      await history.append('old', [turn('user', 'new question'), turn('assistant', 'new answer')]);
      expect((await history.load('old')).map((t) => t.content)).toEqual(['old question', 'old answer', 'second', 'reply', 'new question', 'new answer']);
      expect((await history.snapshot('old')).images.map((i) => i.name)).toEqual(['o.png']);
      // An old-shape history can be reset without being read first.
      await store.set('history:old2', { v: 1, turns: [turn('user', 'q')] });
      expect(await history.reset('old2')).toBe(true);
      expect(await history.load('old2')).toEqual([]);
      expect(await history.reset('old')).toBe(true);
      expect(await history.loadImage('old', image.id)).toBeUndefined();
      await store.disconnect();
    });

    it('reset forgets one channel only, after writes queued before it', async () => {
      const { store, history } = await open();
      await history.append('keep', [turn('user', 'kept')]);
      const write = history.append('gone', [turn('user', 'x')]);
      const reset = history.reset('gone');
      await Promise.all([write, reset]);
      expect(await history.load('gone')).toEqual([]);
      expect(await history.reset('gone')).toBe(false);
      expect((await history.load('keep')).length).toBe(1);
      await store.clear();
      await store.disconnect();
    });
  });
}

describe('opening storage', () => {
  it('fails with a clear error, instead of hanging, when Redis cannot be reached', async () => {
    await expect(openStore('redis://127.0.0.1:1', captureLogs().logger, namespace)).rejects.toThrow(/failed to connect/);
  });
});
