/**
 * The fake counts requests the way Discord does: per top-level resource (a channel, an interaction
 * token), sends apart from edits, and a global limit per bot token that interaction endpoints are
 * exempt from.
 */
import { type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, handleNext, setup } from './discord-client.js';
import type { FakeDiscord, RecordedRequest } from './discord.js';

afterEach(cleanup);

const api = (fake: FakeDiscord, method: string, path: string, body?: unknown, auth = true) =>
  fetch(`${fake.apiUrl}/v10${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bot ${fake.token}` } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const remaining = (r: Response) => r.headers.get('x-ratelimit-remaining');

describe('FakeDiscord rate limits', () => {
  it('counts edits of every message in a channel on one counter, and sends on another under the same bucket hash', async () => {
    const { fake } = await setup({ editBucket: { limit: 5, windowMs: 5000 } });
    const channel = fake.defaultChannelId;
    const sent = [await api(fake, 'POST', `/channels/${channel}/messages`, { content: 'a' }), await api(fake, 'POST', `/channels/${channel}/messages`, { content: 'b' })];
    expect(sent.map(remaining)).toEqual(['4', '3']);
    const [a, b] = (await Promise.all(sent.map((r) => r.json()))) as { id: string }[];
    const edits = [];
    for (const id of [a!.id, b!.id, a!.id]) edits.push(await api(fake, 'PATCH', `/channels/${channel}/messages/${id}`, { content: 'edited' }));
    // One counter for the channel's edits, whichever message; the sends did not spend from it.
    expect(edits.map(remaining)).toEqual(['4', '3', '2']);
    expect(new Set([...sent, ...edits].map((r) => r.headers.get('x-ratelimit-bucket'))).size).toBe(1);
    // Another channel is another counter.
    const elsewhere = fake.createChannel({ name: 'elsewhere' });
    expect(remaining(await api(fake, 'POST', `/channels/${elsewhere}/messages`, { content: 'c' }))).toBe('4');
  });

  it('keeps a window begun under an earlier edit bucket, and tells when every window has ended', async () => {
    const { fake } = await setup({ editBucket: { limit: 5, windowMs: 5000 } });
    const channel = fake.defaultChannelId;
    const began = performance.now();
    await api(fake, 'POST', `/channels/${channel}/messages`, { content: 'a' });
    fake.setEditBucket({ limit: 5, windowMs: 2000 });
    const again = await api(fake, 'POST', `/channels/${channel}/messages`, { content: 'b' });
    // Still the 5 s window: a benchmark changing buckets must wait it out to measure the new one.
    expect(Number(again.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(2.5);
    expect(fake.bucketsRestAt).toBeGreaterThanOrEqual(began + 5000);
    expect(fake.bucketsRestAt).toBeLessThanOrEqual(performance.now() + 5000);
  });

  it('counts the edits of an interaction’s original and of its follow-ups on one counter per token', async () => {
    const { fake, client } = await setup({ editBucket: { limit: 5, windowMs: 5000 } });
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      await i.editReply('one');
      const followUp = await i.followUp('two');
      await i.editReply('one, edited');
      await i.webhook.editMessage(followUp, { content: 'two, edited' });
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'ask' });
    await handled;
    const byToken = (r: RecordedRequest) => r.path.startsWith(`/webhooks/${fake.applicationId}/${inter.token}`);
    const edits = fake.requests.filter((r) => byToken(r) && r.method === 'PATCH');
    expect(edits.map((r) => r.responseHeaders?.['x-ratelimit-remaining'])).toEqual(['4', '3', '2']);
    const followUps = fake.requests.filter((r) => byToken(r) && r.method === 'POST');
    expect(followUps.map((r) => r.responseHeaders?.['x-ratelimit-remaining'])).toEqual(['4']);
  });

  it('answers a global 429 past the global limit of requests with the bot token, whatever the route', async () => {
    const { fake } = await setup({ globalLimit: { limit: 3, windowMs: 60_000 } });
    const guild = `/guilds/${fake.guildId}/channels`;
    // The client's own log-in spent from the window: find what is left by spending it.
    let answer: Response;
    let spent = 0;
    do {
      answer = await api(fake, 'GET', spent % 2 ? guild : `/channels/${fake.defaultChannelId}/messages`);
      spent++;
    } while (answer.status !== 429 && spent < 10);
    expect(answer.status).toBe(429);
    expect(spent).toBeLessThanOrEqual(3);
    expect(answer.headers.get('x-ratelimit-global')).toBe('true');
    expect(answer.headers.get('x-ratelimit-scope')).toBe('global');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(answer.headers.get('x-ratelimit-bucket')).toBeNull();
    expect(await answer.json()).toMatchObject({ message: 'You are being rate limited.', global: true });
  });

  it('does not count interaction endpoints (callback, original, follow-ups) against the global limit', async () => {
    const { fake, client } = await setup({ globalLimit: { limit: 1, windowMs: 60_000 }, editBucket: { limit: 50, windowMs: 1000 } });
    // Spend the global window: from here on every bot-token request is refused.
    while ((await api(fake, 'GET', `/channels/${fake.defaultChannelId}/messages`)).status !== 429);
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      for (let n = 1; n <= 5; n++) await i.editReply(`v${n}`);
      await i.followUp('more');
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'ask' });
    await handled;
    expect(inter.original()?.content).toBe('v5');
    expect(inter.followups().map((m) => m.content)).toEqual(['more']);
    expect(fake.requests.filter((r) => r.path.includes(inter.token)).map((r) => r.status)).toEqual([204, 200, 200, 200, 200, 200, 200]);
  });

  it('discord.js’s own 50/s budget keeps a burst of channel sends under the global limit', async () => {
    let channels: string[] = [];
    // Created before the log-in, so the client knows them from GUILD_CREATE.
    const { fake, client } = await setup(undefined, undefined, (f) => (channels = Array.from({ length: 60 }, (_, n) => f.createChannel({ name: `burst-${n}` }))));
    await Promise.all(channels.map((id) => (client.channels.cache.get(id) as TextChannel).send('hello')));
    expect(fake.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(channels.every((id) => fake.messages(id).length === 1)).toBe(true);
  });
});
