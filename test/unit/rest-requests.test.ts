import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultRestOptions, REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketState } from '../../src/discord/rate-limits.js';
import { restRequests } from '../../src/discord/rest-requests.js';

const ROUTE = '/channels/123456789012345678/messages/223456789012345678' as const;
/** Wide, so that the client holding a request one offset past the reset can't pass for on time. */
const OFFSET_MS = 500;
const WINDOW_MS = 800;
let server: Server | undefined;

afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A bucket of one edit per 800 ms, enforced: a request before its reset is answered 429. */
async function discord(): Promise<{ api: string; arrivals: number[]; refused: () => number }> {
  const arrivals: number[] = [];
  let resetAt = 0;
  let refused = 0;
  server = createServer((req, res) => {
    const now = performance.now();
    arrivals.push(now);
    if (now < resetAt) {
      refused++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': ((resetAt - now) / 1000).toFixed(3) });
      res.end(JSON.stringify({ message: 'You are being rate limited.', retry_after: (resetAt - now) / 1000, global: false }));
      return;
    }
    resetAt = now + WINDOW_MS;
    res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-bucket': 'edits', 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': (WINDOW_MS / 1000).toFixed(3) });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { api: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, arrivals, refused: () => refused };
}

const client = (api: string, early: boolean) =>
  new REST({ api, version: '10', offset: OFFSET_MS, ...(early ? restRequests(DefaultRestOptions.makeRequest, () => {}, OFFSET_MS) : {}) }).setToken('token');

/** Edits once, then again when the bucket state read from the response says the bucket has reset, as an answer's bucket does. */
async function editAtReset(rest: REST): Promise<void> {
  const response = await rest.queueRequest({ method: 'PATCH' as never, fullRoute: ROUTE, body: { content: 'a' } });
  const info = bucketState(response.headers, OFFSET_MS)!;
  await new Promise((resolve) => setTimeout(resolve, info.resetAfterMs));
  await rest.patch(ROUTE, { body: { content: 'b' } });
}

describe('restRequests', () => {
  it('lets a request the bucket state says may go out at the bucket’s reset go then, not an offset later', async () => {
    const { api, arrivals, refused } = await discord();
    await editAtReset(client(api, true));
    expect(refused()).toBe(0);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(arrivals[1]! - arrivals[0]!).toBeLessThan(WINDOW_MS + OFFSET_MS / 2);
  });

  it('is needed: read as sent, the reset comes an offset late', async () => {
    const { api, arrivals } = await discord();
    await editAtReset(client(api, false));
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(WINDOW_MS + OFFSET_MS);
  });

  it('never sends a request waiting in discord.js’s own queue before the reset', async () => {
    const { api, arrivals, refused } = await discord();
    const rest = client(api, true);
    await Promise.all(['a', 'b', 'c'].map((content) => rest.patch(ROUTE, { body: { content } })));
    expect(refused()).toBe(0);
    expect(arrivals).toHaveLength(3);
  });

  it('reports each 429 with its scope', async () => {
    const scopes: string[] = [];
    let answered = 0;
    server = createServer((_req, res) => {
      if (answered++ > 0) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0.01', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
      res.end(JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.01, global: true }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rest = new REST({ api, version: '10', ...restRequests(DefaultRestOptions.makeRequest, (scope) => scopes.push(scope), OFFSET_MS) }).setToken('token');
    // discord.js retries the 429 itself, after the global wait.
    await rest.get('/users/@me');
    expect(scopes).toEqual(['global']);
  });
});
