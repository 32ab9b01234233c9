import { Socket } from 'node:net';
import { join } from 'node:path';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when a Redis answers PING at REDIS_URL; says clearly what will be skipped when not. */
export async function redisAvailable(what: string): Promise<boolean> {
  const url = new URL(REDIS_URL);
  const ok = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(url.port || 6379), url.hostname, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
  if (!ok) console.warn(`\n*** SKIPPED: ${what} — no Redis answered at ${REDIS_URL} (start one, or set TEST_REDIS_URL) ***\n`);
  return ok;
}

/**
 * The stores a test of shared storage runs on: SQLite (a new file in `dir` for each `url()`), and
 * the Redis, which says what it skips when none answers.
 */
export function storeBackends(dir: string, what: string) {
  let files = 0;
  return [
    { name: 'SQLite', url: () => `sqlite://${join(dir, `store-${++files}.sqlite`)}`, available: async () => true },
    { name: 'Redis', url: () => REDIS_URL, available: () => redisAvailable(`${what} on Redis`) },
  ];
}
