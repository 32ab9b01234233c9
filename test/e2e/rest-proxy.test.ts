/**
 * The bot through `npm run proxy`'s REST proxy (src/proxy/), the proxy in front of the fake
 * Discord: one queue holds the bot's global limit for every process, interaction routes bypass it.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createRestProxy, type RestProxy } from '../../src/proxy/rest-proxy.js';
import { text } from '../fakes/openrouter.js';
import { captureLogs } from '../helpers/logs.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { spawnBot } from '../helpers/process.js';
import { FOOTER } from '../helpers/replies.js';
import { FakeDiscord } from '../fakes/discord.js';

const proxyMain = fileURLToPath(new URL('../../src/proxy/main.ts', import.meta.url));
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let h: Harness | undefined;
let proxy: RestProxy | undefined;
afterEach(async () => {
  await h?.close();
  await proxy?.close();
  h = proxy = undefined;
});

async function throughProxy(): Promise<{ h: Harness; url: string }> {
  let url = '';
  h = await startHarness({
    env: async (discord) => {
      proxy = createRestProxy({ upstream: discord.apiUrl, logger: captureLogs('debug').logger });
      url = `http://127.0.0.1:${await proxy.listen(0, '127.0.0.1')}/api`;
      return { DISCORD_API_URL: url };
    },
  });
  return { h, url };
}

describe('REST proxy', () => {
  it('carries the bot: commands registered, an answer streamed, with each bucket’s headers passed back', async () => {
    const { h, url } = await throughProxy();
    h.openrouter.reply({ steps: text('Through the proxy.') });
    const asked = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    expect(await h.discord.waitFor(() => (FOOTER.test(asked.original()?.content ?? '') ? asked.original()!.content : undefined), { what: 'answer' })).toMatch(/^Through the proxy\.\n-# /);
    // Everything the bot sent reached Discord through the proxy, which sent it with the bot's token.
    expect(h.discord.requests.some((r) => r.method === 'PUT' && /\/commands$/.test(r.path))).toBe(true);

    const response = await fetch(`${url}/v10/channels/${h.discord.defaultChannelId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${h.discord.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hello' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { content: string }).content).toBe('hello');
    expect(response.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    // The bucket's reset as Discord sent it: the proxy's client reads it early for its own queue.
    const sent = h.discord.requests.findLast((r) => r.method === 'POST' && r.json && (r.json as { content?: string }).content === 'hello');
    expect(response.headers.get('x-ratelimit-reset-after')).toBe(sent?.responseHeaders?.['x-ratelimit-reset-after']);
  });

  it('passes Discord’s errors back as they were', async () => {
    const { h, url } = await throughProxy();
    const missing = await fetch(`${url}/v10/channels/123456789012345678/messages`, { headers: { authorization: `Bot ${h.discord.token}` } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 10003 });
    const unauthorized = await fetch(`${url}/v10/users/@me`, { headers: { authorization: 'Bot not-the-token' } });
    expect(unauthorized.status).toBe(401);
  });

  it('holds the global limit for everyone sending through it, and lets an answer’s interaction edits past the queue', async () => {
    const { h, url } = await throughProxy();
    // Another process of the bot sends more than a second's worth of the global budget at once.
    const burst = Array.from({ length: 150 }, (_, i) =>
      fetch(`${url}/v10/channels/${String(200000000000000000n + BigInt(i))}`, { headers: { authorization: `Bot ${h.discord.token}` } }).then((r) => r.status),
    );
    await h.discord.waitFor(() => h.discord.requests.filter((r) => /^\/channels\/2\d+$/.test(r.path)).length >= 50 || undefined, { what: 'the first 50 of the burst' });
    h.openrouter.reply({ steps: text('Not held back.') });
    const asked = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => FOOTER.test(asked.original()?.content ?? '') || undefined, { what: 'answer' });
    const seen = h.discord.requests.filter((r) => /^\/channels\/2\d+$/.test(r.path)).length;
    expect(await Promise.all(burst)).toEqual(Array(150).fill(404));
    // The whole answer reached Discord while the burst was still held to 50 a second.
    expect(seen).toBeLessThan(150);
    expect(h.discord.requests.filter((r) => /^\/channels\/2\d+$/.test(r.path) && r.status === 429)).toHaveLength(0);
  });

  it('runs as `npm run proxy` from the same .env, and stops on SIGTERM', async () => {
    const discord = await FakeDiscord.start();
    try {
      const port = await freePort();
      const proc = spawnBot({ PROXY_UPSTREAM_URL: discord.apiUrl }, { script: proxyMain, dotenv: `DISCORD_TOKEN=${discord.token}\nDISCORD_API_URL=http://127.0.0.1:${port}/api\nPROXY_PORT=${port}\nPROXY_HOST=127.0.0.1\n` });
      try {
        await proc.printed(/REST proxy listening/, 20_000);
        const gateway = await fetch(`http://127.0.0.1:${port}/api/v10/gateway/bot`, { headers: { authorization: `Bot ${discord.token}` } });
        expect(gateway.status).toBe(200);
        expect(await gateway.json()).toMatchObject({ url: discord.gatewayUrl, shards: 1 });
        proc.child.kill('SIGTERM');
        expect(await proc.exited).toBe(0);
        expect(proc.output()).not.toContain(discord.token);
      } finally {
        proc.cleanup();
      }
      const bad = spawnBot({ PROXY_PORT: 'eighty', PROXY_UPSTREAM_URL: 'discord.com' }, { script: proxyMain });
      try {
        expect(await bad.exited).toBe(1);
        expect(bad.output()).toContain('config error: PROXY_PORT: must be a number');
        expect(bad.output()).toContain('config error: PROXY_UPSTREAM_URL: must be an http(s) URL');
      } finally {
        bad.cleanup();
      }
    } finally {
      await discord.stop();
    }
  }, 60_000);
});
