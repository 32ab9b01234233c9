/**
 * The guild as Discord stores it: the application and its bot user, users and members, roles and
 * channels. Changes that Discord announces reach connected clients through the dispatcher.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Core } from './core.js';
import { iso, type Json } from './json.js';
import { ALL_PERMS, applyOverwrites, bits, BOT_ROLE_PERMS, EVERYONE_PERMS, Perm, type Overwrite, type PermissionName } from './permissions.js';
import type { ApiUser, ChannelSpec } from './types.js';

export const TEXT_CHANNEL_TYPES = new Set([0, 1, 2, 3, 5, 10, 11, 12, 13, 15, 16]);
export const THREAD_TYPES = new Set([10, 11, 12]);

/** The gateway, as far as state changes need it. */
export interface Dispatcher {
  dispatch(event: string, data: unknown): void;
  /** Whether any client has identified (events before the first IDENTIFY reach nobody). */
  readonly hasSessions: boolean;
}

interface Member {
  roles: string[];
  joined_at: string;
  nick: string | null;
}

export class GuildState {
  readonly applicationId: string;
  readonly botUser: ApiUser;
  readonly token: string;
  readonly guildId: string;
  /** The default human user that invokes commands and posts messages. */
  readonly user: ApiUser;
  readonly ownerId: string;
  readonly defaultChannelId: string;
  readonly users = new Map<string, ApiUser>();
  readonly members = new Map<string, Member>();
  readonly channels = new Map<string, Json>();
  readonly roles: Json[] = [];
  private readonly botRoleId: string;
  /** Threads the bot is a member of, with when it joined. */
  private readonly botThreads = new Map<string, string>();

  constructor(
    private readonly core: Core,
    private readonly events: Dispatcher,
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
    this.token = `${Buffer.from(this.applicationId).toString('base64').replace(/=+$/, '')}.${randomBytes(4).toString('base64url').slice(0, 6)}.${randomBytes(29).toString('base64url').slice(0, 38)}`;

    this.guildId = core.snowflake();
    this.user = this.addUser({ username: 'tester' });
    this.ownerId = this.addUser({ username: 'owner' }).id;
    this.botRoleId = core.snowflake();
    this.roles.push(this.role(this.guildId, '@everyone', EVERYONE_PERMS, 0));
    this.roles.push({ ...this.role(this.botRoleId, 'FakeBot', BOT_ROLE_PERMS, 1), managed: true, tags: { bot_id: this.applicationId } });
    this.members.set(this.botUser.id, { roles: [this.botRoleId], joined_at: iso(), nick: null });

    const category = this.createChannel({ name: 'Text Channels', type: 4 });
    this.defaultChannelId = this.createChannel({ name: 'general', type: 0, parentId: category });
  }

  /** The guild's own channels (not threads, not DMs), as GUILD_CREATE and GET /guilds/{id}/channels list them. */
  guildChannels(): Json[] {
    return [...this.channels.values()].filter((c) => c.type !== 1 && !THREAD_TYPES.has(c.type as number));
  }

  threads(): Json[] {
    return [...this.channels.values()].filter((c) => THREAD_TYPES.has(c.type as number));
  }

  /** Adds a (human) guild member. If a client is connected, dispatches GUILD_MEMBER_ADD. */
  addUser(opts: { id?: string; username: string; globalName?: string; bot?: boolean }): ApiUser {
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
    const isNew = !this.users.has(id);
    this.users.set(id, user);
    if (!this.members.has(id)) this.members.set(id, { roles: [], joined_at: iso(), nick: null });
    if (isNew && this.events.hasSessions) {
      this.events.dispatch('GUILD_MEMBER_ADD', { ...this.memberObject(id), guild_id: this.guildId });
    }
    return user;
  }

  /** The known user, or a new member with that id and name. */
  userFor(who: { id: string; username: string }): ApiUser {
    return this.users.get(who.id) ?? this.addUser({ id: who.id, username: who.username });
  }

  /** A direct-message channel between the bot and a user (no guild). Known to the client only through interactions. */
  createDmChannel(user: ApiUser = this.user): string {
    const id = this.core.snowflake();
    this.channels.set(id, { id, type: 1, last_message_id: null, flags: 0, recipients: [user] });
    return id;
  }

  /** Adds a role without permissions, held by `userIds` (guild members). Dispatches GUILD_ROLE_CREATE to connected clients. */
  addRole(name: string, userIds: string[] = []): string {
    const role = this.role(this.core.snowflake(), name, 0n, this.roles.length);
    this.roles.push(role);
    for (const userId of userIds) this.members.get(userId)?.roles.push(role.id as string);
    if (this.events.hasSessions) this.events.dispatch('GUILD_ROLE_CREATE', { guild_id: this.guildId, role });
    return role.id as string;
  }

  /** Creates a channel in the guild; dispatches CHANNEL_CREATE (threads: THREAD_CREATE) to connected clients. */
  createChannel(opts: ChannelSpec = {}): string {
    const id = this.core.snowflake();
    const type = opts.type ?? 0;
    const position = [...this.channels.values()].filter((c) => c.type === type).length;
    let channel: Json;
    if (THREAD_TYPES.has(type)) {
      channel = this.threadChannel({ id, type, name: opts.name ?? `thread-${position}`, parentId: opts.parentId ?? this.defaultChannelId, ownerId: this.user.id, autoArchiveDuration: 1440, rateLimitPerUser: 0 });
    } else {
      channel = {
        id,
        type,
        guild_id: this.guildId,
        name: opts.name ?? `channel-${position}`,
        position,
        permission_overwrites: [],
        parent_id: opts.parentId ?? null,
        nsfw: false,
        flags: 0,
        ...(type === 4
          ? {}
          : { topic: opts.topic ?? null, last_message_id: null, rate_limit_per_user: 0 }),
      };
    }
    if (opts.botDeny?.length) this.setBotOverwrite(channel, opts.botDeny);
    this.channels.set(id, channel);
    if (this.events.hasSessions) {
      if (THREAD_TYPES.has(type)) this.events.dispatch('THREAD_CREATE', { ...channel, newly_created: true });
      else this.events.dispatch('CHANNEL_CREATE', channel);
    }
    this.core.changed();
    return id;
  }

  /** Discord's compute_base_permissions: the member's guild-wide permissions (owner and Administrator: all). */
  memberPerms(userId: string): bigint {
    if (userId === this.ownerId) return ALL_PERMS;
    let perms = EVERYONE_PERMS;
    for (const rid of this.members.get(userId)?.roles ?? []) {
      const r = this.roles.find((x) => x.id === rid);
      if (r) perms |= BigInt(r.permissions as string);
    }
    return perms & Perm.Administrator ? ALL_PERMS : perms;
  }

  /** A thread's channel object, as Discord answers it and THREAD_CREATE carries it. */
  threadChannel(t: { id: string; type: number; name: string; parentId: string; ownerId: string; autoArchiveDuration: number; rateLimitPerUser: number }): Json {
    return {
      id: t.id,
      type: t.type,
      guild_id: this.guildId,
      name: t.name,
      parent_id: t.parentId,
      owner_id: t.ownerId,
      last_message_id: null,
      rate_limit_per_user: t.rateLimitPerUser,
      flags: 0,
      member_count: 1,
      message_count: 0,
      total_message_sent: 0,
      thread_metadata: { archived: false, auto_archive_duration: t.autoArchiveDuration, archive_timestamp: iso(), locked: false, create_timestamp: iso(), ...(t.type === 12 ? { invitable: true } : {}) },
    };
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

  /** The member's permissions in a channel, overwrites applied; a thread takes its parent's overwrites. */
  channelPerms(userId: string, channelId: string): bigint {
    const channel = this.channels.get(channelId);
    const source = channel && THREAD_TYPES.has(channel.type as number) ? this.channels.get(channel.parent_id as string) : channel;
    const overwrites = (source?.permission_overwrites ?? []) as Overwrite[];
    return applyOverwrites(this.memberPerms(userId), { guildId: this.guildId, userId, roleIds: this.members.get(userId)?.roles ?? [] }, overwrites);
  }

  /** The bot's permissions in a guild channel; undefined in a DM (guild permissions don't apply there). */
  botPerms(channelId: string): bigint | undefined {
    const channel = this.channels.get(channelId);
    return !channel || channel.type === 1 ? undefined : this.channelPerms(this.botUser.id, channelId);
  }

  /** Denies the bot permissions in one channel with a member overwrite; clients get CHANNEL_UPDATE. */
  denyBot(channelId: string, perms: PermissionName[]): void {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`FakeDiscord: unknown channel ${channelId}`);
    this.setBotOverwrite(channel, perms);
    if (this.events.hasSessions) this.events.dispatch('CHANNEL_UPDATE', channel);
    this.core.changed();
  }

  private setBotOverwrite(channel: Json, perms: PermissionName[]): void {
    if (!Array.isArray(channel.permission_overwrites)) {
      throw new Error(`FakeDiscord: channel ${String(channel.id)} (type ${String(channel.type)}) has no permission overwrites (a thread takes its parent's)`);
    }
    const overwrites = channel.permission_overwrites as Overwrite[];
    let own = overwrites.find((o) => o.type === 1 && o.id === this.botUser.id);
    if (!own) {
      own = { id: this.botUser.id, type: 1, allow: '0', deny: '0' };
      overwrites.push(own);
    }
    const denied = bits(perms);
    own.deny = (BigInt(own.deny) | denied).toString();
    own.allow = (BigInt(own.allow) & ~denied).toString();
  }

  memberObject(userId: string): Json & { user: ApiUser } {
    const m = this.members.get(userId) ?? { roles: [], joined_at: iso(), nick: null };
    return {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      deaf: false,
      flags: 0,
      joined_at: m.joined_at,
      mute: false,
      nick: m.nick,
      pending: false,
      premium_since: null,
      roles: m.roles,
      unusual_dm_activity_until: null,
      user: this.users.get(userId)!,
    };
  }

  /** A member object without its user, as nested in messages and resolved data. */
  partialMember(userId: string): Json {
    const { user: _u, ...member } = this.memberObject(userId);
    return member;
  }

  private role(id: string, name: string, perms: bigint, position: number): Json {
    return {
      id,
      name,
      description: null,
      permissions: perms.toString(),
      position,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      managed: false,
      mentionable: false,
      icon: null,
      unicode_emoji: null,
      flags: 0,
    };
  }
}
