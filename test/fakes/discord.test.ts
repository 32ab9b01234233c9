/**
 * Proves that the REAL discord.js Client works against FakeDiscord: login/ready, interactions,
 * replies and edits, attachments, rate limits, retries, autocomplete, commands, gateway resume and
 * user messages. Every test uses a fresh fake and client, destroyed in afterEach.
 */
import { once } from 'node:events';
import {
  ApplicationCommandOptionType,
  AttachmentBuilder,
  ChannelType,
  DiscordAPIError,
  Events,
  Routes,
  type ChatInputApplicationCommandData,
  type Message,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, handleNext, nextInteraction, onCleanup, setup, within } from './discord-client.js';
import { FakeDiscord, type RecordedRequest } from './discord.js';

// A real 1x1 PNG.
const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

afterEach(cleanup);

const isOriginalPatch = (r: RecordedRequest): boolean => r.method === 'PATCH' && r.path.endsWith('/messages/@original');

describe('FakeDiscord with the real discord.js Client', () => {
  it('logs in, becomes ready and sees the guild and its channels', async () => {
    const { fake, client } = await setup();

    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.user?.bot).toBe(true);
    expect(client.application?.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guildId);
    expect(guild?.name).toBe('Fake Guild');
    expect(guild?.available).toBe(true);
    const channel = client.channels.cache.get(fake.defaultChannelId);
    expect(channel?.type).toBe(ChannelType.GuildText);
    expect((channel as TextChannel).name).toBe('general');
    expect(guild?.members.me?.id).toBe(fake.botUser.id);

    const gatewayBot = fake.requests.find((r) => r.path === '/gateway/bot');
    expect(gatewayBot?.status).toBe(200);
    expect(gatewayBot?.headers.authorization).toBe(`Bot ${fake.token}`);
    expect(gatewayBot?.responseHeaders?.['x-ratelimit-bucket']).toMatch(/^[0-9a-f]{32}$/);

    const identify = fake.gatewayFrames.find((f) => f.op === 2);
    expect((identify?.d as { intents: number }).intents).toBe(client.options.intents.bitfield);
    expect((identify?.d as { token: string }).token).toBe(fake.token);

    // A channel created later reaches the client as CHANNEL_CREATE.
    const created = within(once(client, Events.ChannelCreate), 5000, 'channelCreate');
    const id = fake.createChannel({ name: 'later' });
    const [ch] = (await created) as [TextChannel];
    expect(ch.id).toBe(id);
    expect(ch.name).toBe('later');

    const app = await client.application!.fetch();
    expect(app.owner?.id).toMatch(/^\d{17,19}$/);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/applications/@me', status: 200 });
  });

  it('acknowledges heartbeats, so the client keeps its single connection', async () => {
    const { fake, client } = await setup({ heartbeatIntervalMs: 50 });
    await fake.waitFor(() => fake.gatewayFrames.filter((f) => f.op === 1).length >= 4 || undefined, { what: '4 heartbeats' });
    // Without op 11 answers discord.js would call the connection a zombie and reconnect.
    expect(new Set(fake.gatewayFrames.map((f) => f.connection))).toEqual(new Set([1]));
    expect(client.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('a button click (component interaction) can update the message it is on', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const sent = await channel.send({
      content: 'generating…',
      components: [{ type: 1, components: [{ type: 2, style: 4, label: 'Stop', custom_id: 'stop' }] }],
    });
    const handled = handleNext(client, async (i) => {
      if (!i.isButton()) throw new Error('expected a button interaction');
      expect(i.customId).toBe('stop');
      expect(i.message.id).toBe(sent.id);
      await i.update({ content: 'stopped', components: [] });
    });
    const inter = await fake.component({ messageId: sent.id, customId: 'stop' });
    await handled;
    expect(inter.acknowledgedWith()).toBe(7);
    expect(fake.message(sent.id)?.edits.map((e) => e.content)).toEqual(['generating…', 'stopped']);
    expect(fake.message(sent.id)?.components).toEqual([]);
  });

  it('delivers a slash interaction with options and an attachment whose url serves the bytes', async () => {
    const { fake, client } = await setup();
    const got = nextInteraction(client);
    const inter = await fake.slash({
      channelId: fake.defaultChannelId,
      name: 'imagine',
      options: [
        { name: 'prompt', type: ApplicationCommandOptionType.String, value: 'a cat' },
        { name: 'steps', type: ApplicationCommandOptionType.Integer, value: 4 },
      ],
      attachments: [{ option: 'image', filename: 'cat.png', contentType: 'image/png', data: PNG_1x1 }],
    });
    const i = await got;
    if (!i.isChatInputCommand()) throw new Error(`expected a chat input command, got type ${i.type}`);
    expect(i.id).toBe(inter.id);
    expect(i.commandName).toBe('imagine');
    expect(i.channelId).toBe(fake.defaultChannelId);
    expect(i.guildId).toBe(fake.guildId);
    expect(i.user.id).toBe(fake.user.id);
    expect(i.attachmentSizeLimit).toBe(10 * 1024 * 1024);
    expect(i.memberPermissions?.has('SendMessages')).toBe(true);
    expect(i.appPermissions.has('AttachFiles')).toBe(true);
    expect(i.options.getString('prompt', true)).toBe('a cat');
    expect(i.options.getInteger('steps', true)).toBe(4);

    const att = i.options.getAttachment('image', true);
    expect(att.name).toBe('cat.png');
    expect(att.contentType).toBe('image/png');
    expect(att.size).toBe(PNG_1x1.length);
    expect([att.width, att.height]).toEqual([1, 1]);
    const res = await fetch(att.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG_1x1)).toBe(true);
    expect(fake.downloads.at(-1)?.status).toBe(200);
  });

  it('deferReply + editReply + followUp land as messages with edit history', async () => {
    const { fake, client } = await setup();
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      await i.editReply('thinking...');
      await i.editReply({ content: 'done', allowedMentions: { parse: [] } });
      return i.followUp({ content: 'extra' });
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'ask' });
    // Event-driven wait on the fake's state (no polling).
    await fake.waitFor(() => inter.followups()[0]?.content === 'extra', { what: 'follow-up "extra"' });
    const followUp = await handled;

    expect(followUp.id).toBe(inter.followups()[0]!.id);
    expect(inter.callbacks.map((c) => [(c.json as { type: number }).type, c.status])).toEqual([[5, 204]]);
    const original = inter.original()!;
    expect(original.edits.map((e) => e.content)).toEqual(['', 'thinking...', 'done']);
    expect(original.content).toBe('done');
    expect(original.flags & 128).toBe(0); // no longer "thinking"
    expect(original.allowed_mentions).toEqual({ parse: [] });
    expect(original.author.id).toBe(fake.botUser.id);
    expect(original.interaction_token).toBe(inter.token);
    expect(original.type).toBe(20);
    expect(inter.all().map((m) => m.content)).toEqual(['done', 'extra']);
    expect(fake.messages(fake.defaultChannelId).map((m) => m.id)).toEqual(inter.all().map((m) => m.id));
    const followPost = fake.requests.find((r) => r.method === 'POST' && r.path === `/webhooks/${fake.applicationId}/${inter.token}`);
    expect(followPost?.query.wait).toBe('true');
    expect(followPost?.status).toBe(200);
  });

  it('the first followUp after deferReply replaces the thinking message (as Discord does)', async () => {
    const { fake, client } = await setup();
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      const first = await i.followUp('first');
      await i.followUp('second');
      return first;
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'ask' });
    const first = await handled;
    expect(first.id).toBe(inter.original()?.id);
    expect(inter.original()?.content).toBe('first');
    expect(inter.followups().map((m) => m.content)).toEqual(['second']);
  });

  it('reply with a file and withResponse returns the created message (callback type 4, multipart)', async () => {
    const { fake, client } = await setup();
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      return i.reply({ content: 'img', files: [new AttachmentBuilder(PNG_1x1, { name: 'a.png' })], withResponse: true });
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'img' });
    const response = await handled;
    const msg = response.resource?.message;
    expect(msg?.id).toBe(inter.original()?.id);
    expect(msg?.attachments.first()?.contentType).toBe('image/png');
    expect(response.interaction.responseMessageId).toBe(msg?.id);
    expect(inter.callbacks[0]).toMatchObject({ status: 200, query: { with_response: 'true' } });
    expect(inter.callbacks[0]!.files?.[0]?.filename).toBe('a.png');
    expect(inter.original()?.attachments[0]).toMatchObject({ filename: 'a.png', width: 1, height: 1, size: PNG_1x1.length });
  });

  it('editReply with a file lands as a message with a downloadable attachment', async () => {
    const { fake, client } = await setup();
    const text = 'generated text file\n';
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      return i.editReply({ content: 'here', files: [new AttachmentBuilder(Buffer.from(text), { name: 'out.txt' })] });
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'file' });
    const att = await fake.waitFor(() => inter.original()?.attachments[0], { what: 'attachment on the original' });
    const returned = await handled;

    expect(att.filename).toBe('out.txt');
    expect(att.size).toBe(Buffer.byteLength(text));
    expect(att.content_type).toBe('text/plain; charset=utf-8');
    const res = await fetch(att.url);
    expect(await res.text()).toBe(text);

    const patch = fake.requests.find(isOriginalPatch)!;
    expect(patch.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(patch.files?.map((f) => [f.field, f.filename])).toEqual([['files[0]', 'out.txt']]);
    expect(patch.json).toMatchObject({ content: 'here', attachments: [{ id: '0' }] });
    expect(returned.attachments.first()?.name).toBe('out.txt');
    expect(returned.attachments.first()?.url).toBe(att.url);
  });

  it('discord.js waits on the edit bucket instead of hitting 429 (5 rapid edits, then a 6th)', async () => {
    const windowMs = 1500;
    const { fake, client } = await setup({ editBucket: { limit: 5, windowMs } });
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      for (let n = 1; n <= 6; n++) await i.editReply(`v${n}`);
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'stream' });
    await handled;

    const patches = fake.requests.filter(isOriginalPatch);
    expect(patches.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(fake.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(patches.map((p) => p.responseHeaders?.['x-ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0', '4']);
    // The first five went out rapidly, the sixth only after the bucket's window had passed.
    expect(patches[4]!.at - patches[0]!.at).toBeLessThan(windowMs);
    expect(patches[5]!.at - patches[0]!.at).toBeGreaterThanOrEqual(windowMs);
    expect(inter.original()?.edits.map((e) => e.content)).toEqual(['', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('the edit bucket answers a real 429 to a client that ignores the headers', async () => {
    const { fake } = await setup({ editBucket: { limit: 2, windowMs: 2000 } });
    const send = () =>
      fetch(`${fake.apiUrl}/v10/channels/${fake.defaultChannelId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hi' }),
      });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited.json()) as { message: string; retry_after: number; global: boolean };
    expect(body.message).toBe('You are being rate limited.');
    expect(body.global).toBe(false);
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(2);
  });

  it('setEditBucket changes the edit bucket for requests from then on', async () => {
    const { fake } = await setup({ editBucket: { limit: 5, windowMs: 5000 } });
    fake.setEditBucket({ limit: 1, windowMs: 2000 });
    const send = () =>
      fetch(`${fake.apiUrl}/v10/channels/${fake.defaultChannelId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hi' }),
      });
    const first = await send();
    expect(first.headers.get('x-ratelimit-limit')).toBe('1');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await send()).status).toBe(429);
  });

  it('rateLimitNext makes discord.js wait and retry, and the edit still lands', async () => {
    const { fake, client } = await setup();
    fake.rateLimitNext({ method: 'PATCH', path: /\/messages\/@original$/, retryAfterSec: 0.5 });
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      await i.editReply('after 429');
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'rl' });
    await handled;

    expect(inter.original()?.content).toBe('after 429');
    const patches = fake.requests.filter(isOriginalPatch);
    expect(patches.map((p) => p.status)).toEqual([429, 200]);
    expect(patches[0]!.injected).toBe(true);
    expect(patches[0]!.responseHeaders?.['retry-after']).toBe('1');
    expect(patches[0]!.response).toEqual({ message: 'You are being rate limited.', retry_after: 0.5, global: false });
    expect(patches[1]!.at - patches[0]!.at).toBeGreaterThanOrEqual(500);
  });

  it('a global 429 blocks the client for Retry-After seconds', async () => {
    const { fake, client } = await setup();
    fake.rateLimitNext({ method: 'POST', path: /\/messages$/, retryAfterSec: 1, global: true });
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    await channel.send('hello');
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts.map((p) => p.status)).toEqual([429, 200]);
    expect(posts[0]!.responseHeaders?.['x-ratelimit-global']).toBe('true');
    expect(posts[0]!.responseHeaders?.['x-ratelimit-scope']).toBe('global');
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(fake.messages(fake.defaultChannelId).map((m) => m.content)).toEqual(['hello']);
  });

  it('an injected 500 is retried; an injected 4xx reaches the bot as DiscordAPIError', async () => {
    const { fake, client } = await setup();
    fake.inject({ method: 'PATCH', path: /\/messages\/@original$/, status: 500, times: 2 });
    const handled = handleNext(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      await i.editReply('survived');
      fake.inject({ method: 'POST', path: /^\/webhooks\//, status: 403, body: { message: 'Missing Permissions', code: 50013 } });
      return i.followUp('nope').catch((e: unknown) => e);
    });
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'flaky' });
    const forbidden = await handled;

    expect(fake.requests.filter(isOriginalPatch).map((p) => p.status)).toEqual([500, 500, 200]);
    expect(inter.original()?.content).toBe('survived');
    expect(forbidden).toBeInstanceOf(DiscordAPIError);
    expect((forbidden as DiscordAPIError).code).toBe(50013);
    expect((forbidden as DiscordAPIError).status).toBe(403);
    // 4xx is not retried.
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/webhooks/')).length).toBe(1);
    expect(inter.followups()).toEqual([]);
  });

  it('a hanging request is aborted by the client timeout and retried', async () => {
    const { fake, client } = await setup({}, { timeout: 300 });
    fake.inject({ method: 'POST', path: /\/messages$/, hang: true });
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    await channel.send('eventually');
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts.map((p) => p.status)).toEqual([0, 200]);
    // The client aborts 300 ms after sending; allow for the first request's own transit time.
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(250);
  });

  it('autocomplete round trip', async () => {
    const { fake, client } = await setup();
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude-3.5-sonnet'];
    const handled = handleNext(client, async (i) => {
      if (!i.isAutocomplete()) throw new Error('expected an autocomplete interaction');
      const focused = i.options.getFocused();
      await i.respond(models.filter((m) => m.startsWith(focused)).map((m) => ({ name: m, value: m })));
      return focused;
    });
    const result = await fake.autocomplete({
      channelId: fake.defaultChannelId,
      name: 'chat',
      options: [{ name: 'model', type: ApplicationCommandOptionType.String, value: 'gpt', focused: true }],
    });
    expect(await handled).toBe('gpt');
    expect(result.choices).toEqual([
      { name: 'gpt-4o', value: 'gpt-4o' },
      { name: 'gpt-4o-mini', value: 'gpt-4o-mini' },
    ]);
  });

  it('application commands PUT/GET round trip, with stable ids and validation', async () => {
    const { fake, client } = await setup();
    const defs: ChatInputApplicationCommandData[] = [
      {
        name: 'imagine',
        description: 'Make an image',
        options: [{ type: ApplicationCommandOptionType.String, name: 'prompt', description: 'What to draw', required: true }],
      },
      { name: 'chat', description: 'Talk to a model' },
    ];
    const set = await client.application!.commands.set(defs, fake.guildId);
    expect(fake.commandPuts).toBe(1);
    expect([...set.values()].map((c) => c.name).sort()).toEqual(['chat', 'imagine']);
    const stored = fake.commands(fake.guildId);
    expect(stored.map((c) => c.name)).toEqual(['imagine', 'chat']);
    expect(stored[0]).toMatchObject({
      application_id: fake.applicationId,
      guild_id: fake.guildId,
      type: 1,
      default_member_permissions: null,
      nsfw: false,
      description: 'Make an image',
    });
    expect(stored[0]!.id).toMatch(/^\d{17,19}$/);
    expect(fake.commands()).toEqual([]);

    const fetched = await client.application!.commands.fetch({ guildId: fake.guildId });
    expect(fetched.get(stored[0]!.id)?.options[0]?.name).toBe('prompt');

    await client.application!.commands.set(defs, fake.guildId);
    expect(fake.commandPuts).toBe(2);
    expect(fake.commands(fake.guildId).map((c) => c.id)).toEqual(stored.map((c) => c.id));

    // Interactions carry the registered command's id.
    const got = nextInteraction(client);
    await fake.slash({ channelId: fake.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'x' }] });
    const i = await got;
    expect(i.isChatInputCommand() && i.commandId).toBe(stored[0]!.id);
    expect(i.isChatInputCommand() && i.commandGuildId).toBe(fake.guildId);

    const bad = await client.application!.commands.set([{ name: 'Bad Name', description: 'x' }], fake.guildId).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DiscordAPIError);
    expect((bad as DiscordAPIError).code).toBe(50035);
    expect(fake.commands(fake.guildId).length).toBe(2);
  });

  it('after dropGateway the client resumes (op 6 on resume_gateway_url) and interactions still arrive', async () => {
    const { fake, client } = await setup();
    const resumed = within(once(client, Events.ShardResume), 5000, 'shardResume');
    fake.dropGateway();
    // Dispatched while the client is disconnected: replayed on RESUME.
    const missed = nextInteraction(client);
    const first = await fake.slash({ channelId: fake.defaultChannelId, name: 'during' });
    await resumed;
    expect((await missed).id).toBe(first.id);

    const resume = fake.gatewayFrames.find((f) => f.op === 6);
    expect(resume?.connectionPath).toBe('/resume');
    expect(fake.gatewayFrames.filter((f) => f.op === 2)).toHaveLength(1);

    const next = nextInteraction(client);
    const second = await fake.slash({ channelId: fake.defaultChannelId, name: 'after' });
    const i = await next;
    expect(i.id).toBe(second.id);
    expect(i.isChatInputCommand() && i.commandName).toBe('after');
  });

  it('postUserMessage reaches messageCreate with attachments, mentions and replies', async () => {
    const { fake, client } = await setup();
    const got = within(
      new Promise<Message>((resolve) =>
        client.on(Events.MessageCreate, (m) => {
          if (!m.author.bot) resolve(m);
        }),
      ),
      5000,
      'messageCreate',
    );
    const posted = fake.postUserMessage({
      channelId: fake.defaultChannelId,
      content: 'hello there',
      mentionsBot: true,
      attachments: [{ filename: 'notes.txt', data: Buffer.from('abc') }],
    });
    const m = await got;
    expect(m.id).toBe(posted.id);
    expect(m.content).toBe(`<@${fake.botUser.id}> hello there`);
    expect(m.author.id).toBe(fake.user.id);
    expect(m.mentions.users.has(fake.botUser.id)).toBe(true);
    expect(m.guildId).toBe(fake.guildId);
    const att = m.attachments.first()!;
    expect(att.name).toBe('notes.txt');
    expect(att.size).toBe(3);
    expect(att.contentType).toBe('text/plain; charset=utf-8');
    expect(await (await fetch(att.url)).text()).toBe('abc');

    const reply = await m.reply({ content: 'pong', allowedMentions: { repliedUser: false } });
    const stored = fake.message(reply.id)!;
    expect(stored.type).toBe(19);
    expect(stored.message_reference?.message_id).toBe(m.id);
    expect(stored.mentions).toEqual([]);
    expect(reply.reference?.messageId).toBe(m.id);

    // A user reply to the bot's message carries referenced_message.
    const second = within(
      new Promise<Message>((resolve) =>
        client.on(Events.MessageCreate, (x) => {
          if (!x.author.bot && x.id !== m.id) resolve(x);
        }),
      ),
      5000,
      'second messageCreate',
    );
    fake.postUserMessage({ channelId: fake.defaultChannelId, content: 'thanks', referenceMessageId: reply.id });
    const r = await second;
    expect(r.reference?.messageId).toBe(reply.id);
    expect(r.mentions.repliedUser?.id).toBe(fake.botUser.id);
  });

  it('answers Discord-shaped errors: 50035, 10008, 40060, 40005, 10062, 404', async () => {
    const { fake, client } = await setup({ attachmentSizeLimit: 1024, callbackWindowMs: 200 });
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;

    const tooLong = await channel.send('x'.repeat(2001)).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(DiscordAPIError);
    expect((tooLong as DiscordAPIError).status).toBe(400);
    expect((tooLong as DiscordAPIError).code).toBe(50035);
    expect((tooLong as DiscordAPIError).message).toContain('content[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.');

    const unknown = await channel.messages.fetch('1234567890123456789').catch((e: unknown) => e);
    expect((unknown as DiscordAPIError).code).toBe(10008);
    expect((unknown as DiscordAPIError).status).toBe(404);

    const big = await channel.send({ files: [new AttachmentBuilder(Buffer.alloc(2048), { name: 'big.bin' })] }).catch((e: unknown) => e);
    expect((big as DiscordAPIError).status).toBe(413);
    expect((big as DiscordAPIError).code).toBe(40005);

    const empty = await client.rest.post(Routes.channelMessages(fake.defaultChannelId), { body: {} }).catch((e: unknown) => e);
    expect((empty as DiscordAPIError).code).toBe(50006);

    const notFound = await client.rest.get('/nope' as `/${string}`).catch((e: unknown) => e);
    expect((notFound as DiscordAPIError).status).toBe(404);
    expect((notFound as DiscordAPIError).code).toBe(0);

    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'x' });
    await client.rest.post(Routes.interactionCallback(inter.id, inter.token), { body: { type: 5 }, auth: false });
    const again = await client.rest.post(Routes.interactionCallback(inter.id, inter.token), { body: { type: 5 }, auth: false }).catch((e: unknown) => e);
    expect((again as DiscordAPIError).code).toBe(40060);
    expect((again as DiscordAPIError).message).toBe('Interaction has already been acknowledged.');
    expect(inter.callbacks.map((c) => c.status)).toEqual([204, 400]);

    // Too late for the first callback (window shortened to 200 ms for the test).
    const late = await fake.slash({ channelId: fake.defaultChannelId, name: 'late' });
    await new Promise((r) => setTimeout(r, 300));
    const expired = await client.rest.post(Routes.interactionCallback(late.id, late.token), { body: { type: 5 }, auth: false }).catch((e: unknown) => e);
    expect((expired as DiscordAPIError).code).toBe(10062);
    // Webhook routes need an acknowledged interaction.
    const hook = await client.rest.patch(Routes.webhookMessage(fake.applicationId, late.token), { body: { content: 'x' }, auth: false }).catch((e: unknown) => e);
    expect((hook as DiscordAPIError).code).toBe(10015);
  });

  it('sendTyping and channel edits/deletes are recorded with real status codes', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    await channel.sendTyping();
    expect(fake.requests.find((r) => r.path === `/channels/${fake.defaultChannelId}/typing`)?.status).toBe(204);

    const msg = await channel.send('one');
    await msg.edit('two');
    expect(fake.message(msg.id)?.edits.map((e) => e.content)).toEqual(['one', 'two']);
    expect(fake.message(msg.id)?.edited_timestamp).not.toBeNull();
    await msg.delete();
    expect(fake.message(msg.id)?.deleted).toBe(true);
    const gone = await channel.messages.fetch({ message: msg.id, force: true }).catch((e: unknown) => e);
    expect((gone as DiscordAPIError).code).toBe(10008);
  });

  it('a DM channel is not one of the guild channels (GUILD_CREATE, GET /guilds/{id}/channels)', async () => {
    let dm = '';
    let guildCreate: { channels: { id: string }[] } | undefined;
    const { fake, client } = await setup({}, {}, (f, c) => {
      dm = f.createDmChannel();
      c.on(Events.Raw, (p: { t: string; d: { channels: { id: string }[] } }) => {
        if (p.t === 'GUILD_CREATE') guildCreate = p.d;
      });
    });
    expect(guildCreate?.channels.map((c) => c.id)).toContain(fake.defaultChannelId);
    expect(guildCreate?.channels.map((c) => c.id)).not.toContain(dm);
    const listed = (await client.rest.get(Routes.guildChannels(fake.guildId))) as { id: string }[];
    expect(listed.map((c) => c.id)).toContain(fake.defaultChannelId);
    expect(listed.map((c) => c.id)).not.toContain(dm);
  });

  it('waitFor rejects with what it waited for and the recent requests', async () => {
    const fake = await FakeDiscord.start();
    onCleanup(() => fake.stop());
    await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake.token}` } });
    await expect(fake.waitFor(() => false, { timeoutMs: 50, what: 'never happens' })).rejects.toThrow(
      /never happens[\s\S]*GET \/gateway\/bot -> 200/,
    );
  });
});
