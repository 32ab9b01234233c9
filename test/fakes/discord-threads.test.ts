/**
 * Threads started from a message, through a real discord.js Client: the 201 answer, THREAD_CREATE and
 * MESSAGE_UPDATE, posting and editing in the thread, a user posting there, and Discord's errors.
 */
import { once } from 'node:events';
import {
  ChannelType,
  DiscordAPIError,
  Events,
  Routes,
  ThreadAutoArchiveDuration,
  type Client,
  type GatewayDispatchPayload,
  type Message,
  type NewsChannel,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, expectApiError, failure, setup, within } from './discord-client.js';
import type { FakeDiscord } from './discord.js';

afterEach(cleanup);

/** Raw gateway dispatches as the client received them. */
function rawEvents(client: Client): GatewayDispatchPayload[] {
  const seen: GatewayDispatchPayload[] = [];
  client.on(Events.Raw, (p: GatewayDispatchPayload) => seen.push(p));
  return seen;
}

const threadsRoute = (fake: FakeDiscord, channelId: string, messageId: string) =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages/${messageId}/threads`);

describe('Start Thread from Message', () => {
  it('answers 201 with a public thread that has the message id, and fires THREAD_CREATE then MESSAGE_UPDATE', async () => {
    const { fake, client } = await setup();
    const raw = rawEvents(client);
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const reply = await channel.send('the answer');
    const updated = within(
      new Promise<Message>((resolve) => client.on(Events.MessageUpdate, (_old, m) => m.id === reply.id && resolve(m as Message))),
      5000,
      'messageUpdate',
    );

    const thread = await channel.threads.create({ name: 'Follow-up', startMessage: reply, autoArchiveDuration: ThreadAutoArchiveDuration.OneHour });
    expect(thread.id).toBe(reply.id);
    expect(thread.type).toBe(ChannelType.PublicThread);
    expect(thread.parentId).toBe(fake.defaultChannelId);
    expect(thread.ownerId).toBe(fake.botUser.id);
    expect(thread.autoArchiveDuration).toBe(60);
    const [post] = threadsRoute(fake, fake.defaultChannelId, reply.id);
    expect(post?.status).toBe(201);
    expect(post?.json).toMatchObject({ name: 'Follow-up', auto_archive_duration: 60 });
    expect(post?.responseHeaders?.['x-ratelimit-bucket']).toMatch(/^[0-9a-f]{32}$/);
    expect(post?.response).toMatchObject({
      id: reply.id,
      type: 11,
      guild_id: fake.guildId,
      parent_id: fake.defaultChannelId,
      owner_id: fake.botUser.id,
      member_count: 1,
      message_count: 0,
      total_message_sent: 0,
      thread_metadata: { archived: false, auto_archive_duration: 60, locked: false },
      member: { id: reply.id, user_id: fake.botUser.id },
    });

    const edited = await updated;
    expect(edited.hasThread).toBe(true);
    expect(edited.thread?.id).toBe(thread.id);
    const events = raw.filter((p) => p.t === 'THREAD_CREATE' || (p.t === 'MESSAGE_UPDATE' && p.d.id === reply.id));
    expect(events.map((p) => p.t)).toEqual(['THREAD_CREATE', 'MESSAGE_UPDATE']);
    expect(events[0]!.d).toMatchObject({ id: reply.id, newly_created: true, parent_id: fake.defaultChannelId });
    expect(fake.message(reply.id)).toMatchObject({ thread_id: reply.id });
    expect(fake.message(reply.id)!.flags & 32).toBe(32);
    // The thread opens with a THREAD_STARTER_MESSAGE pointing back at its message.
    expect(fake.messages(thread.id).map((m) => [m.type, m.message_reference?.message_id])).toEqual([[21, reply.id]]);
  });

  it('message.startThread in an announcement channel starts an announcement thread (type 10)', async () => {
    const { fake, client } = await setup();
    fake.createChannel({ name: 'news', type: 5 });
    const news = (await within(once(client, Events.ChannelCreate), 5000, 'channelCreate'))[0] as NewsChannel;
    const msg = await news.send('release notes');
    const thread = await msg.startThread({ name: 'discussion' });
    expect(thread.type).toBe(ChannelType.AnnouncementThread);
    expect(fake.channel(msg.id)).toMatchObject({ type: 10, parent_id: news.id });
  });

  it('the bot posts into the new thread and edits there; messages(thread) shows them; a user can post there too', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const start = await channel.send('question answered');
    const thread = await start.startThread({ name: 'more', autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });

    const first = await thread.send('first in thread');
    await first.edit('first in thread (edited)');
    await thread.send('second');
    expect(fake.messages(thread.id).filter((m) => m.type === 0).map((m) => m.content)).toEqual(['first in thread (edited)', 'second']);
    expect(fake.message(first.id)?.edits.map((e) => e.content)).toEqual(['first in thread', 'first in thread (edited)']);
    expect(fake.channel(thread.id)).toMatchObject({ message_count: 2, total_message_sent: 2 });
    await first.delete();
    expect(fake.channel(thread.id)).toMatchObject({ message_count: 1, total_message_sent: 2 });

    const got = within(
      new Promise<Message>((resolve) => client.on(Events.MessageCreate, (m) => !m.author.bot && resolve(m))),
      5000,
      'user messageCreate',
    );
    const posted = fake.postUserMessage({ channelId: thread.id, content: 'thanks!' });
    const m = await got;
    expect(m.id).toBe(posted.id);
    expect(m.channel.isThread() && m.channel.parentId).toBe(fake.defaultChannelId);
  });

  it('takes Create Public Threads, not Send Messages (a bot that may not talk in the channel can still open a thread)', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const msg = await channel.send('start here');
    fake.denyBot(fake.defaultChannelId, 'SendMessages');
    const thread = await msg.startThread({ name: 'still allowed' });
    await thread.send('and talk in it (Send Messages in Threads)');
    expect(fake.messages(thread.id).map((m) => m.type)).toEqual([21, 0]);
  });

  it('answers Discord’s errors: 10003, 10008, 50024 (thread, forum, media, voice, DM), 160004, 50035, 50013, 50001', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const start = async (channelId: string, messageId: string, body: Record<string, unknown> = { name: 'x' }) =>
      failure(client.rest.post(Routes.threads(channelId, messageId), { body }));
    const msg = await channel.send('start here');

    expectApiError(await start('123456789012345678', msg.id), 404, 10003, 'Unknown Channel');
    expectApiError(await start(fake.defaultChannelId, '123456789012345678'), 404, 10008, 'Unknown Message');

    const thread = await msg.startThread({ name: 'once' });
    const inThread = await thread.send('in the thread');
    expectApiError(await start(thread.id, inThread.id), 400, 50024, 'Cannot execute action on this channel type');
    for (const type of [15, 16, 2]) expectApiError(await start(fake.createChannel({ type }), msg.id), 400, 50024);
    expectApiError(await start(fake.createDmChannel(), msg.id), 400, 50024);

    expectApiError(await start(fake.defaultChannelId, msg.id), 400, 160004, 'A thread has already been created for this message');

    const other = await channel.send('another');
    const noName = (await start(fake.defaultChannelId, other.id, {})) as DiscordAPIError;
    expectApiError(noName, 400, 50035);
    expect(noName.rawError).toMatchObject({ errors: { name: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } } });
    const bad = (await start(fake.defaultChannelId, other.id, { name: 'x'.repeat(101), auto_archive_duration: 30, rate_limit_per_user: 21601 })) as DiscordAPIError;
    expect(bad.rawError).toMatchObject({
      code: 50035,
      errors: {
        name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] },
        auto_archive_duration: { _errors: [{ code: 'BASE_TYPE_CHOICES' }] },
        rate_limit_per_user: { _errors: [{ code: 'NUMBER_TYPE_MAX' }] },
      },
    });

    fake.denyBot(fake.defaultChannelId, 'CreatePublicThreads');
    expectApiError(await start(fake.defaultChannelId, other.id), 403, 50013, 'Missing Permissions');
    fake.denyBot(fake.defaultChannelId, 'ViewChannel');
    expectApiError(await start(fake.defaultChannelId, other.id), 403, 50001, 'Missing Access');
    expect(fake.channel(other.id)).toBeUndefined();
    expect(fake.message(other.id)?.thread_id).toBeUndefined();
  });
});
