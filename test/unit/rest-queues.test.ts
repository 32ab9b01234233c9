import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { sendsApartFromEdits } from '../../src/discord/rest-queues.js';

const CHANNEL = '123456789012345678';
let server: Server | undefined;

afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A Discord whose channel sends and edits share a bucket hash, with the edit counter empty after one edit. */
async function discord(): Promise<string> {
  server = createServer((req, res) => {
    const edit = req.method === 'PATCH';
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-ratelimit-bucket': 'one-hash',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': edit ? '0' : '4',
      'x-ratelimit-reset-after': edit ? '3.000' : '5.000',
    });
    res.end(JSON.stringify({ id: '223456789012345678' }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

async function postAfterDryEdit(rest: REST): Promise<number> {
  // Once each route has been answered with the hash, both map to one queue; the second edit,
  // through that queue, tells it the edit counter is empty.
  await rest.post(`/channels/${CHANNEL}/messages`, { body: { content: 'a' } });
  for (const content of ['b', 'c']) await rest.patch(`/channels/${CHANNEL}/messages/223456789012345678`, { body: { content } });
  const before = performance.now();
  await rest.post(`/channels/${CHANNEL}/messages`, { body: { content: 'd' } });
  return performance.now() - before;
}

describe('sendsApartFromEdits', () => {
  it('lets a channel post go out while the channel’s edit counter waits for its reset', async () => {
    const api = await discord();
    const rest = sendsApartFromEdits(new REST({ api, version: '10' }).setToken('token'));
    expect(await postAfterDryEdit(rest)).toBeLessThan(1_000);
  });

  it('is needed: discord.js alone holds the post for the edit counter’s reset', async () => {
    const api = await discord();
    const rest = new REST({ api, version: '10' }).setToken('token');
    expect(await postAfterDryEdit(rest)).toBeGreaterThan(2_500);
  }, 10_000);
});
