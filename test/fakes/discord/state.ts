/**
 * The guilds as Discord stores them, and what they share: the application and its bot user, every
 * user, and every channel (guild channels, threads and DMs; ids are global, a guild channel names its
 * guild). One guild exists from the start (the default); more can be added, each on a chosen shard.
 * Changes Discord announces reach connected clients through the dispatcher.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Core } from './core.js';
import { Guild, THREAD_TYPES, type Dispatcher, type GuildEnv } from './guild.js';
import { iso, type Json } from './json.js';
import type { PermissionName } from './permissions.js';
import type { ApiUser, ChannelSpec } from './types.js';

export { THREAD_TYPES, type Dispatcher } from './guild.js';
export const TEXT_CHANNEL_TYPES = new Set([0, 1, 2, 3, 5, 10, 11, 12, 13, 15, 16]);

/** Discord's routing formula: the shard of `shardCount` that receives a guild's events. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export class GuildState implements GuildEnv {
  readonly applicationId: string;
  readonly botUser: ApiUser;
  /** The bot token; Discord resets it when the daily IDENTIFY limit is exceeded. */
  token: string;
  /** The default human user that invokes commands and posts messages; a member of every guild. */
  readonly user: ApiUser;
  /** The application's owner (also the default guild's). */
  readonly ownerId: string;
  readonly users = new Map<string, ApiUser>();
  readonly channels = new Map<string, Json>();
  readonly guilds = new Map<string, Guild>();
  readonly defaultGuild: Guild;
  /** Threads the bot is a member of, with when it joined. */
  private readonly botThreads = new Map<string, string>();

  constructor(
    readonly core: Core,
    readonly events: Dispatcher,
  ) {
    this.applicationId = core.snowflake();
    this.botUser = {
      id: this.applicationId,
      username: 'FakeBot',
      discriminator: '4821',
      global_name: null,
      avatar: null,
      bot: true,
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
    };
    this.users.set(this.botUser.id, this.botUser);
    this.token = this.newToken();
    const guildId = core.snowflake();
    this.user = this.putUser({ username: 'tester' });
    this.ownerId = this.putUser({ username: 'owner' }).id;
    this.defaultGuild = new Guild(this, { id: guildId, name: 'Fake Guild', ownerId: this.ownerId, memberIds: [this.user.id, this.ownerId] });
    this.guilds.set(guildId, this.defaultGuild);
  }

  /** A fresh token for the bot (base64 of its id, a timestamp part and a secret, as Discord's look). */
  newToken(): string {
    return `${Buffer.from(this.applicationId).toString('base64').replace(/=+$/, '')}.${randomBytes(4).toString('base64url').slice(0, 6)}.${randomBytes(29).toString('base64url').slice(0, 38)}`;
  }

  /**
   * Adds a guild the bot is in, with its own owner, the default user as a member, a category and
   * #general. `id` decides its shard. Connected clients of that shard get GUILD_CREATE, as when a bot
   * joins a guild.
   */
  addGuild(opts: { id: string; name?: string }): Guild {
    if (this.guilds.has(opts.id)) throw new Error(`FakeDiscord: guild ${opts.id} exists already`);
    const owner = this.putUser({ username: `owner-${this.guilds.size + 1}` });
    const guild = new Guild(this, { id: opts.id, name: opts.name ?? `Fake Guild ${this.guilds.size + 1}`, ownerId: owner.id, memberIds: [this.user.id, owner.id] });
    this.guilds.set(guild.id, guild);
    this.core.changed();
    return guild;
  }

  guild(guildId: string): Guild {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`FakeDiscord: unknown guild ${guildId}`);
    return guild;
  }

  /** The guild a channel (or thread) belongs to; undefined for a DM or an unknown channel. */
  guildOf(channelId: string): Guild | undefined {
    const guildId = this.channels.get(channelId)?.guild_id;
    return typeof guildId === 'string' ? this.guilds.get(guildId) : undefined;
  }

  /** Adds a user and makes them a member of a guild (default: the default guild); a new member is announced with GUILD_MEMBER_ADD. */
  addUser(opts: { id?: string; username: string; globalName?: string; bot?: boolean; guildId?: string }): ApiUser {
    const user = this.putUser(opts);
    this.guild(opts.guildId ?? this.defaultGuild.id).addMember(user.id);
    return user;
  }

  /** The known user, or a new one with that id and name; a member of `guild` (where they act) from then on. */
  userFor(who: { id: string; username: string }, guild: Guild | undefined): ApiUser {
    const user = this.users.get(who.id) ?? this.putUser({ id: who.id, username: who.username });
    guild?.addMember(user.id);
    return user;
  }

  /** A direct-message channel between the bot and a user (no guild). Known to the client only through interactions. */
  createDmChannel(user: ApiUser = this.user): string {
    const id = this.core.snowflake();
    this.channels.set(id, { id, type: 1, last_message_id: null, flags: 0, recipients: [user] });
    return id;
  }

  /** Creates a channel in a guild (default: the default guild; a thread: its parent's); dispatches CHANNEL_CREATE (threads: THREAD_CREATE). */
  createChannel(opts: ChannelSpec = {}): string {
    const parentGuild = opts.parentId ? this.guildOf(opts.parentId) : undefined;
    const guild = opts.guildId ? this.guild(opts.guildId) : (parentGuild ?? this.defaultGuild);
    if (parentGuild && parentGuild !== guild) throw new Error(`FakeDiscord: channel ${opts.parentId} is not in guild ${guild.id}`);
    return guild.createChannel(opts);
  }

  /** The member's permissions in a channel, in its guild. A DM has no guild: the default guild's roles stand in (no overwrites). */
  channelPerms(userId: string, channelId: string): bigint {
    return (this.guildOf(channelId) ?? this.defaultGuild).channelPerms(userId, channelId);
  }

  /** The bot's permissions in a guild channel; undefined in a DM (guild permissions don't apply there). */
  botPerms(channelId: string): bigint | undefined {
    const channel = this.channels.get(channelId);
    return !channel || channel.type === 1 ? undefined : this.channelPerms(this.botUser.id, channelId);
  }

  /** Denies the bot permissions in one channel with a member overwrite; its guild's shard gets CHANNEL_UPDATE. */
  denyBot(channelId: string, perms: PermissionName[]): void {
    const channel = this.channels.get(channelId);
    const guild = this.guildOf(channelId);
    if (!channel || !guild) throw new Error(`FakeDiscord: unknown guild channel ${channelId}`);
    guild.denyBot(channel, perms);
  }

  /** The bot joins a thread (its creator does, at once). */
  joinThread(threadId: string): void {
    this.botThreads.set(threadId, iso());
  }

  /** The bot's thread member object, if it joined the thread. */
  threadMember(threadId: string): Json | undefined {
    const joined = this.botThreads.get(threadId);
    // flags are notification settings; 1 (all messages) is assumed for the creator.
    return joined === undefined ? undefined : { id: threadId, user_id: this.botUser.id, join_timestamp: joined, flags: 1 };
  }

  /** A user of the application, new or updated (a member of no guild yet). */
  private putUser(opts: { id?: string; username: string; globalName?: string; bot?: boolean }): ApiUser {
    const id = opts.id ?? this.core.snowflake();
    const user: ApiUser = {
      id,
      username: opts.username,
      discriminator: opts.bot ? '0001' : '0',
      global_name: opts.bot ? null : (opts.globalName ?? opts.username),
      avatar: null,
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      ...(opts.bot ? { bot: true } : {}),
    };
    this.users.set(id, user);
    return user;
  }
}
