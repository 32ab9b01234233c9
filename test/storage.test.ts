import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelHistory } from '../src/conversation/history.js';
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

    it('keeps the bytes of the newest images only, and the older ones as references no more', async () => {
      const { store, history } = await open();
      const refs = [];
      for (let i = 0; i < 6; i++) {
        const ref = await history.saveImage('pics', { bytes: Buffer.from(`image ${i}`), mime: 'image/png' }, { name: `i${i}.png`, origin: 'user', sha: `${i}` });
        refs.push(ref);
        await history.append('pics', [{ ...turn('user', `[image: i${i}.png]`), images: [ref] }]);
      }
      const turns = await history.load('pics');
      expect(turns.map((t) => t.images?.map((i) => i.name) ?? [])).toEqual([[], [], ['i2.png'], ['i3.png'], ['i4.png'], ['i5.png']]);
      expect(turns[0]!.content).toBe('[image: i0.png]');
      expect(await history.loadImage('pics', refs[0]!.id)).toBeUndefined();
      expect((await history.loadImage('pics', refs[5]!.id))?.bytes.toString()).toBe('image 5');
      await history.reset('pics');
      expect(await history.loadImage('pics', refs[5]!.id)).toBeUndefined();
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
