/**
 * The fake Discord serves several guilds and shards as Discord does, proved with real discord.js
 * clients: two clients with `shards: [0]` / `[1]` of 2 (as two processes of a sharded bot) each get
 * only their guilds, their guilds' interactions, messages and channel events; DMs go to shard 0;
 * guild commands are registered per guild; one shard's connection can be dropped and resumes while
 * the other stays. The gateway's limits (GET /gateway/bot, 4010, 4011, max_concurrency, the daily
 * IDENTIFY limit) are in discord-shard-limits.test.ts.
 */
import { once } from 'node:events';
import { ButtonStyle, ComponentType, Events, TextInputStyle, type Client, type Message, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectShards, expectApiError, failure, onCleanup, within } from './discord-client.js';
import { FakeDiscord, type FakeDiscordOptions } from './discord.js';
import { waitUntil } from './wait-until.js';

afterEach(cleanup);

/** A fake with a guild on each shard of 2 (and the default guild on one of them), and a client per shard. */
async function twoShards(opts?: FakeDiscordOptions) {
  const fake = await FakeDiscord.start(opts);
  onCleanup(() => fake.stop());
  const g0 = fake.addGuild({ name: 'Zero', shard: [0, 2] });
  const g1 = fake.addGuild({ name: 'One', shard: [1, 2] });
  const [c0, c1] = await Promise.all([connectShards(fake, { shards: [0], shardCount: 2 }), connectShards(fake, { shards: [1], shardCount: 2 })]);
  const onShard = (shard: number): string[] => fake.guildIds().filter((id) => fake.shardOf(id, 2) === shard).sort();
  return { fake, g0, g1, c0, c1, onShard };
}

/** Each client answers every slash command and autocomplete with its shard, so a test sees which one got it. */
function answerWithShard(client: Client, shard: number): void {
  client.on(Events.InteractionCreate, (i) => {
    if (i.isChatInputCommand()) void i.reply(`shard ${shard}`);
    else if (i.isAutocomplete()) void i.respond([{ name: `shard ${shard}`, value: String(shard) }]);
  });
}

/** What a client saw of one event, in order, and a wait for a value of it (re-checked on each such event, no polling). */
function recorder<T>(listen: (fn: (value: T) => void) => void, what: string): { seen: T[]; until: (value: T) => Promise<T> } {
  const seen: T[] = [];
  const checks = new Set<() => void>();
  listen((value) => {
    seen.push(value);
    for (const check of [...checks]) check();
  });
  return {
    seen,
    until: (value) =>
      waitUntil(() => (seen.includes(value) ? value : undefined), {
        subscribe: (check) => {
          checks.add(check);
          return () => checks.delete(check);
        },
        timeoutMs: 5000,
        describe: () => `${String(value)} never came as ${what} (saw ${seen.join(', ')})`,
      }),
  };
}

/** The shards an event about `id` went to, once it went somewhere (REST routes dispatch just after they answer). */
const dispatchedTo = (fake: FakeDiscord, event: string, id: string): Promise<string[]> =>
  fake.waitFor(() => {
    const shards = fake.shardsThatGot(event, (d) => d.id === id);
    return shards.length ? shards : undefined;
  }, { what: `${event} for ${id}` });

const messagesSeen = (client: Client) => recorder<string>((fn) => client.on(Events.MessageCreate, (m: Message) => fn(m.content)), 'messageCreate');
const channelsCreated = (client: Client) => recorder<string>((fn) => client.on(Events.ChannelCreate, (ch) => fn(ch.id)), 'channelCreate');

describe('fake Discord: guilds on shards', () => {
  it('addGuild puts a guild on the shard asked for, with its own owner, roles and #general', async () => {
    const fake = await FakeDiscord.start();
    onCleanup(() => fake.stop());
    for (const count of [1, 2, 3, 4, 16]) {
      for (let shard = 0; shard < count; shard++) {
        const { guildId, defaultChannelId, ownerId } = fake.addGuild({ shard: [shard, count] });
        expect(Number((BigInt(guildId) >> 22n) % BigInt(count))).toBe(shard);
        expect(fake.shardOf(guildId, count)).toBe(shard);
        expect(fake.channel(defaultChannelId)).toMatchObject({ guild_id: guildId, name: 'general', type: 0 });
        expect(ownerId).not.toBe(fake.user.id);
      }
    }
    const ids = fake.guildIds();
    expect(ids[0]).toBe(fake.guildId);
    expect(new Set(ids).size).toBe(ids.length);
    // Snowflakes stay in time order after the jumps ahead.
    const later = fake.snowflake();
    expect(BigInt(later) > BigInt(ids.at(-1)!)).toBe(true);
    expect(() => fake.addGuild({ shard: [2, 2] })).toThrow(/no shard 2 of 2/);
  });

  it('two clients with shards [0] and [1] of 2 each get only their guilds in READY and GUILD_CREATE', async () => {
    const { fake, g0, g1, c0, c1, onShard } = await twoShards();
    expect(onShard(0)).toContain(g0.guildId);
    expect(onShard(1)).toContain(g1.guildId);
    expect([...c0.guilds.cache.keys()].sort()).toEqual(onShard(0));
    expect([...c1.guilds.cache.keys()].sort()).toEqual(onShard(1));
    expect(c1.guilds.cache.get(g1.guildId)?.name).toBe('One');
    expect(c1.channels.cache.has(g1.defaultChannelId)).toBe(true);
    expect(c0.channels.cache.has(g1.defaultChannelId)).toBe(false);

    expect(fake.identifies.map((i) => [i.shard, i.outcome]).sort()).toEqual([
      [[0, 2], 'ready'],
      [[1, 2], 'ready'],
    ]);
    for (const shard of [0, 1]) {
      const ready = fake.dispatches.find((d) => d.event === 'READY' && d.shard[0] === shard)?.data as { guilds: { id: string }[]; shard: number[] };
      expect(ready.shard).toEqual([shard, 2]);
      expect(ready.guilds.map((g) => g.id).sort()).toEqual(onShard(shard));
    }
    // Each guild's GUILD_CREATE went to its shard's session, once.
    for (const id of fake.guildIds()) {
      expect(fake.dispatches.filter((d) => d.event === 'GUILD_CREATE' && d.guildId === id).map((d) => d.shard)).toEqual([[fake.shardOf(id, 2), 2]]);
    }
  });

  it('a guild added later reaches its shard as GUILD_CREATE, and only that shard', async () => {
    const { fake, c0, c1 } = await twoShards();
    const joined = within(once(c1, Events.GuildCreate), 5000, 'guildCreate on shard 1');
    const { guildId, defaultChannelId } = fake.addGuild({ name: 'Late', shard: [1, 2] });
    await joined;
    expect(c1.guilds.cache.get(guildId)?.name).toBe('Late');
    expect(c1.channels.cache.has(defaultChannelId)).toBe(true);
    expect(c0.guilds.cache.has(guildId)).toBe(false);
    expect(fake.shardsThatGot('GUILD_CREATE', (d) => d.id === guildId)).toEqual(['1/2']);
  });

  it("slash commands and autocomplete in a guild reach only its shard's client, with the guild and member", async () => {
    const { fake, g0, g1, c0, c1 } = await twoShards();
    answerWithShard(c0, 0);
    answerWithShard(c1, 1);
    const alice = { id: '123456789012345678', username: 'alice' };

    for (const [shard, g] of [[0, g0], [1, g1]] as const) {
      const i = await fake.slash({ channelId: g.defaultChannelId, name: 'ask', user: alice });
      await fake.waitFor(() => i.original(), { what: `the answer in guild ${g.guildId}` });
      expect(i.original()!.content).toBe(`shard ${shard}`);
      // Only one client got it: a second answer would be a rejected callback.
      expect(i.callbacks.map((c) => c.status)).toEqual([204]);
      expect(fake.shardsThatGot('INTERACTION_CREATE', (d) => d.id === i.id)).toEqual([`${shard}/2`]);
      expect(i.payload).toMatchObject({ guild_id: g.guildId, guild: { id: g.guildId }, authorizing_integration_owners: { '0': g.guildId }, member: { user: { id: alice.id } } });
      expect(typeof (i.payload.member as { permissions: unknown }).permissions).toBe('string');
      expect(i.original()!.guild_id).toBe(g.guildId);
      const choices = await fake.autocomplete({ channelId: g.defaultChannelId, name: 'ask', options: [{ name: 'q', type: 3, value: 'x', focused: true }] });
      expect(choices.choices).toEqual([{ name: `shard ${shard}`, value: String(shard) }]);
    }
    // alice became a member of both guilds by acting in them.
    expect(c1.guilds.cache.get(g1.guildId)?.members.cache.has(alice.id)).toBe(true);
    expect(c0.guilds.cache.get(g0.guildId)?.members.cache.has(alice.id)).toBe(true);
  });

  it("user messages, channel events and the bot's own messages reach only the guild's shard", async () => {
    const { fake, g0, g1, c0, c1 } = await twoShards();
    const seen0 = messagesSeen(c0);
    const seen1 = messagesSeen(c1);
    const created0 = channelsCreated(c0);
    const created1 = channelsCreated(c1);

    const one = fake.postUserMessage({ channelId: g1.defaultChannelId, content: 'hello one' });
    const chOne = fake.createChannel({ guildId: g1.guildId, name: 'one-more' });
    // Posted after, so once shard 0 has these, anything sent to it before would be there too.
    fake.postUserMessage({ channelId: g0.defaultChannelId, content: 'hello zero' });
    const chZero = fake.createChannel({ guildId: g0.guildId, name: 'zero-more' });
    await Promise.all([seen1.until('hello one'), seen0.until('hello zero'), created1.until(chOne), created0.until(chZero)]);
    expect(seen0.seen).toEqual(['hello zero']);
    expect(seen1.seen).toEqual(['hello one']);
    expect(created0.seen).toEqual([chZero]);
    expect(created1.seen).toEqual([chOne]);
    expect(fake.channel(chOne)?.guild_id).toBe(g1.guildId);
    expect(one.guild_id).toBe(g1.guildId);
    const dispatched = fake.dispatches.find((d) => d.event === 'MESSAGE_CREATE' && (d.data as { id: string }).id === one.id);
    expect(dispatched).toMatchObject({ shard: [1, 2], guildId: g1.guildId, delivered: true, data: { guild_id: g1.guildId, member: { roles: [] } } });

    // The bot's own message (REST from the shard-1 client) comes back on shard 1 only.
    const channel = c1.channels.cache.get(chOne) as TextChannel;
    const sent = await channel.send('from the bot');
    await seen1.until('from the bot');
    expect(fake.shardsThatGot('MESSAGE_CREATE', (d) => d.id === sent.id)).toEqual(['1/2']);
    const thread = await sent.startThread({ name: 'a thread' });
    expect(fake.channel(thread.id)?.guild_id).toBe(g1.guildId);
    expect(await dispatchedTo(fake, 'THREAD_CREATE', thread.id)).toEqual(['1/2']);
    await sent.delete();
    expect(await dispatchedTo(fake, 'MESSAGE_DELETE', sent.id)).toEqual(['1/2']);
    // A member joining a guild is announced on its shard.
    const bob = fake.addUser({ username: 'bob', guildId: g0.guildId });
    expect(fake.shardsThatGot('GUILD_MEMBER_ADD', (d) => (d.user as { id: string }).id === bob.id)).toEqual(['0/2']);
  });

  it("buttons and modals in a guild reach its shard's client with its guild_id", async () => {
    const { fake, g1, c0, c1 } = await twoShards();
    let wrongShard = 0;
    c0.on(Events.InteractionCreate, () => wrongShard++);
    c1.on(Events.InteractionCreate, (i) => {
      if (i.isButton()) {
        void i.showModal({
          customId: 'why',
          title: 'Why?',
          components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.TextInput, customId: 'reason', label: 'Reason', style: TextInputStyle.Short }] }],
        });
      } else if (i.isModalSubmit()) void i.reply(`got ${i.fields.getTextInputValue('reason')} in ${i.guildId}`);
    });
    const channel = c1.channels.cache.get(g1.defaultChannelId) as TextChannel;
    const sent = await channel.send({ content: 'press', components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, customId: 'go', label: 'Go', style: ButtonStyle.Primary }] }] });

    const press = await fake.component({ messageId: sent.id, customId: 'go' });
    await fake.waitFor(() => press.modal(), { what: 'the modal' });
    expect(press.payload).toMatchObject({ guild_id: g1.guildId, member: { user: { id: fake.user.id } } });
    const submit = await fake.submitModal({ interaction: press, values: { reason: 'because' } });
    await fake.waitFor(() => submit.original(), { what: 'the modal answer' });
    expect(submit.original()!.content).toBe(`got because in ${g1.guildId}`);
    expect(fake.shardsThatGot('INTERACTION_CREATE', (d) => d.id === press.id || d.id === submit.id)).toEqual(['1/2']);
    expect(wrongShard).toBe(0);
  });

  it('DMs, and interactions in DMs, go to shard 0 without guild_id or member', async () => {
    const { fake, c0, c1 } = await twoShards();
    answerWithShard(c0, 0);
    answerWithShard(c1, 1);
    const dm = fake.createDmChannel();
    const i = await fake.slash({ channelId: dm, name: 'ask' });
    await fake.waitFor(() => i.original(), { what: 'the answer in the DM' });
    expect(i.original()!.content).toBe('shard 0');
    expect(fake.shardsThatGot('INTERACTION_CREATE', (d) => d.id === i.id)).toEqual(['0/2']);
    expect(i.payload).toMatchObject({ context: 1, user: { id: fake.user.id } });
    expect(i.payload).not.toHaveProperty('guild_id');
    expect(i.payload).not.toHaveProperty('member');

    const psst = fake.postUserMessage({ channelId: dm, content: 'psst' });
    expect(psst.guild_id).toBeUndefined();
    const sent = fake.dispatches.filter((d) => d.event === 'MESSAGE_CREATE' && (d.data as { id: string }).id === psst.id);
    expect(sent.map((d) => d.shard)).toEqual([[0, 2]]);
    expect(sent[0]!.guildId).toBeUndefined();
    expect(sent[0]!.data).not.toHaveProperty('guild_id');
    expect(sent[0]!.data).not.toHaveProperty('member');
    // The bot's answer in the DM came back on shard 0 too.
    expect(await dispatchedTo(fake, 'MESSAGE_CREATE', i.original()!.id)).toEqual(['0/2']);
  });

  it('registers guild commands per guild, and an interaction names the command of its guild', async () => {
    const { fake, g0, g1, c0, c1 } = await twoShards();
    await c1.application!.commands.set([{ name: 'one', description: 'in guild one' }], g1.guildId);
    await c0.application!.commands.set([{ name: 'zero', description: 'in guild zero' }], g0.guildId);
    expect(fake.commands(g1.guildId).map((c) => [c.name, c.guild_id])).toEqual([['one', g1.guildId]]);
    expect(fake.commands(g0.guildId).map((c) => [c.name, c.guild_id])).toEqual([['zero', g0.guildId]]);
    expect(fake.commands(fake.guildId)).toEqual([]);
    expect(fake.commands()).toEqual([]);

    const i = await fake.slash({ channelId: g1.defaultChannelId, name: 'one' });
    expect(i.payload.data).toMatchObject({ id: fake.commands(g1.guildId)[0]!.id, guild_id: g1.guildId, name: 'one' });
    // Discord answers 50001 for a guild the bot is not in.
    expectApiError(await failure(c0.application!.commands.set([{ name: 'x', description: 'x' }], '123456789012345678')), 403, 50001);
  });

  it('dropping one shard’s connection leaves the other untouched; the dropped one resumes and misses nothing', async () => {
    const { fake, g1, c0, c1 } = await twoShards();
    const seen1 = messagesSeen(c1);
    const before = fake.sessions();
    expect(before.map((s) => [s.shard, s.connected])).toEqual(
      expect.arrayContaining([
        [[0, 2], true],
        [[1, 2], true],
      ]),
    );
    const disconnected0: number[] = [];
    c0.on(Events.ShardDisconnect, (e) => disconnected0.push(e.code));
    const resumed = within(once(c1, Events.ShardResume), 5000, 'shardResume on shard 1');
    fake.dropGateway(4000, { shard: 1 });
    // While shard 1 is away, its guild's events wait in its session.
    fake.postUserMessage({ channelId: g1.defaultChannelId, content: 'while away' });
    await resumed;
    await seen1.until('while away');

    const after = fake.sessions();
    const s0 = (list: typeof after) => list.find((s) => s.shard[0] === 0)!;
    const s1 = (list: typeof after) => list.find((s) => s.shard[0] === 1)!;
    expect(after).toHaveLength(2);
    expect(s0(after)).toEqual(s0(before));
    expect(s1(after)).toMatchObject({ sessionId: s1(before).sessionId, connected: true, resumes: 1 });
    expect(s1(after).connection).not.toBe(s1(before).connection);
    expect(disconnected0).toEqual([]);
    expect(fake.identifies).toHaveLength(2);
    expect(fake.gatewayFrames.filter((f) => f.op === 6).map((f) => f.shard)).toEqual([[1, 2]]);

    // op 7 to one shard: only that one reconnects.
    const again = within(once(c0, Events.ShardResume), 5000, 'shardResume on shard 0');
    fake.requestReconnect({ shard: 0 });
    await again;
    expect(fake.sessions().map((s) => [s.shard[0], s.resumes]).sort()).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });
});
