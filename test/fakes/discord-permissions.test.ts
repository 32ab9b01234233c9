/**
 * Per-channel permission overwrites on the bot, as discord.js and the fake both compute them, and the
 * 50001 / 50013 / 160002 answers Discord gives a bot that lacks a permission.
 */
import { AttachmentBuilder, DiscordAPIError, Events, PermissionFlagsBits, type TextChannel, type ThreadChannel } from 'discord.js';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, expectApiError, failure, nextInteraction, setup, within } from './discord-client.js';

afterEach(cleanup);

describe('permission overwrites for the bot', () => {
  it('denyBot writes a member overwrite discord.js reads, and sending there answers 403 / 50013', async () => {
    const { fake, client } = await setup();
    const id = fake.createChannel({ name: 'read-only' });
    const channel = (await within(once(client, Events.ChannelCreate), 5000, 'channelCreate'))[0] as TextChannel;
    await channel.send('allowed before');

    const updated = within(once(client, Events.ChannelUpdate), 5000, 'channelUpdate');
    fake.denyBot(id, 'SendMessages', 'AddReactions');
    await updated;
    expect(fake.channel(id)?.permission_overwrites).toEqual([
      { id: fake.botUser.id, type: 1, allow: '0', deny: String(PermissionFlagsBits.SendMessages | PermissionFlagsBits.AddReactions) },
    ]);
    const me = channel.guild.members.me!;
    expect(channel.permissionsFor(me).has(PermissionFlagsBits.SendMessages)).toBe(false);
    expect(channel.permissionsFor(me).has(PermissionFlagsBits.ViewChannel)).toBe(true);

    expectApiError(await failure(channel.send('denied')), 403, 50013);
    expect(fake.messages(id).map((m) => m.content)).toEqual(['allowed before']);
    // Other channels keep what the bot role allows.
    await (client.channels.cache.get(fake.defaultChannelId) as TextChannel).send('still fine');
  });

  it('a channel created with botDeny ViewChannel is out of reach: 50001 Missing Access', async () => {
    const { fake, client } = await setup();
    const id = fake.createChannel({ name: 'hidden', botDeny: ['ViewChannel'] });
    const channel = (await within(once(client, Events.ChannelCreate), 5000, 'channelCreate'))[0] as TextChannel;
    const err = await failure(channel.send('hello?'));
    expectApiError(err, 403, 50001);
    expect((err as DiscordAPIError).message).toBe('Missing Access');
    expectApiError(await failure(channel.messages.fetch({ limit: 10 })), 403, 50001);
    expect(fake.messages(id)).toEqual([]);
  });

  it('interactions carry the permissions computed in the channel: app_permissions and member.permissions', async () => {
    const { fake, client } = await setup();
    const id = fake.createChannel({ name: 'no-files', botDeny: ['AttachFiles'] });
    const got = nextInteraction(client);
    const inter = await fake.slash({ channelId: id, name: 'ask' });
    const i = await got;
    expect(i.appPermissions.has('AttachFiles')).toBe(false);
    expect(i.appPermissions.has('SendMessages')).toBe(true);
    expect(i.memberPermissions?.has('AttachFiles')).toBe(true);
    expect(BigInt(inter.payload.app_permissions as string) & PermissionFlagsBits.AttachFiles).toBe(0n);
  });

  it('uploads need Attach Files, replies need Read Message History (160002), and without it the history is empty', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const first = await channel.send('first');
    const updated = within(once(client, Events.ChannelUpdate), 5000, 'channelUpdate');
    fake.denyBot(fake.defaultChannelId, 'AttachFiles', 'ReadMessageHistory');
    await updated;
    expect(channel.permissionsFor(channel.guild.members.me!).has('AttachFiles')).toBe(false);

    expectApiError(await failure(channel.send({ files: [new AttachmentBuilder(Buffer.from('x'), { name: 'x.txt' })] })), 403, 50013);
    const noReply = await failure(first.reply('re'));
    expectApiError(noReply, 403, 160002);
    expect((noReply as DiscordAPIError).message).toBe('Cannot reply without permission to read message history');
    expect((await channel.messages.fetch({ limit: 10 })).size).toBe(0);
    await channel.send('text alone still goes');
  });

  it("deleting someone else's message takes Manage Messages", async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const posted = fake.postUserMessage({ channelId: fake.defaultChannelId, content: 'spam' });
    const own = await channel.send('mine');
    fake.denyBot(fake.defaultChannelId, 'ManageMessages');
    expectApiError(await failure(channel.messages.delete(posted.id)), 403, 50013);
    expect(fake.message(posted.id)?.deleted).toBe(false);
    await own.delete();
    expect(fake.message(own.id)?.deleted).toBe(true);
  });

  it('in a thread, Send Messages in Threads counts and Send Messages does not', async () => {
    const { fake, client } = await setup();
    const threadId = fake.createChannel({ name: 'a thread', type: 11, parentId: fake.defaultChannelId });
    const thread = (await within(once(client, Events.ThreadCreate), 5000, 'threadCreate'))[0] as ThreadChannel;

    fake.denyBot(fake.defaultChannelId, 'SendMessages');
    await thread.send('threads ignore Send Messages');
    fake.denyBot(fake.defaultChannelId, 'SendMessagesInThreads');
    expectApiError(await failure(thread.send('now denied')), 403, 50013);
    expect(fake.messages(threadId).map((m) => m.content)).toEqual(['threads ignore Send Messages']);
    expect(() => fake.denyBot(threadId, 'SendMessages')).toThrow(/no permission overwrites/);
  });
});
