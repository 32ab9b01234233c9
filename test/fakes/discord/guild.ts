/**
 * One guild as Discord stores it: its members, roles and channels, and permissions computed in it.
 * Users, channels and the bot are the application's (./state.ts); a guild keeps which of them are
 * its own. Changes Discord announces carry the guild's id, so they reach the shard that owns it.
 */
import type { Core } from './core.js';
import { iso, type Json } from './json.js';
import { ALL_PERMS, applyOverwrites, bits, BOT_ROLE_PERMS, EVERYONE_PERMS, Perm, type Overwrite, type PermissionName } from './permissions.js';
import type { ApiUser, ChannelSpec } from './types.js';

export const THREAD_TYPES = new Set([10, 11, 12]);

/** The gateway, as far as state changes need it. */
export interface Dispatcher {
  dispatch(event: string, data: unknown): void;
  /** Whether any client has identified (events before the first IDENTIFY reach nobody). */
  readonly hasSessions: boolean;
}

/** What a guild shares with the application: the bot, every user and every channel (ids are global). */
export interface GuildEnv {
  readonly core: Core;
  readonly events: Dispatcher;
  readonly applicationId: string;
  readonly botUser: ApiUser;
  /** The default human user (who starts threads made with createChannel). */
  readonly user: ApiUser;
  readonly users: Map<string, ApiUser>;
  readonly channels: Map<string, Json>;
}

interface Member {
  roles: string[];
  joined_at: string;
  nick: string | null;
}

export class Guild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly defaultChannelId: string;
  readonly members = new Map<string, Member>();
  readonly roles: Json[] = [];
  private readonly botRoleId: string;

  /** A new guild with the bot in it (its managed role), the members given, a category and #general. Announces nothing. */
  constructor(
    private readonly env: GuildEnv,
    opts: { id: string; name: string; ownerId: string; memberIds: string[] },
  ) {
    const { core } = env;
    this.id = opts.id;
    this.name = opts.name;
    this.ownerId = opts.ownerId;
    this.botRoleId = core.snowflake();
    this.roles.push(role(this.id, '@everyone', EVERYONE_PERMS, 0));
    this.roles.push({ ...role(this.botRoleId, env.botUser.username, BOT_ROLE_PERMS, 1), managed: true, tags: { bot_id: env.applicationId } });
    this.members.set(env.botUser.id, { roles: [this.botRoleId], joined_at: iso(), nick: null });
    for (const uid of opts.memberIds) this.members.set(uid, { roles: [], joined_at: iso(), nick: null });
    const category = this.createChannel({ name: 'Text Channels', type: 4 }, false);
    this.defaultChannelId = this.createChannel({ name: 'general', type: 0, parentId: category }, false);
  }

  get botId(): string {
    return this.env.botUser.id;
  }

  /** The guild's own channels (not threads), as GUILD_CREATE and GET /guilds/{id}/channels list them. */
  guildChannels(): Json[] {
    return [...this.env.channels.values()].filter((c) => c.guild_id === this.id && !THREAD_TYPES.has(c.type as number));
  }

  threads(): Json[] {
    return [...this.env.channels.values()].filter((c) => c.guild_id === this.id && THREAD_TYPES.has(c.type as number));
  }

  /** Makes a user a member; a new member is announced with GUILD_MEMBER_ADD. */
  addMember(userId: string): void {
    if (this.members.has(userId)) return;
    this.members.set(userId, { roles: [], joined_at: iso(), nick: null });
    if (this.env.events.hasSessions) this.env.events.dispatch('GUILD_MEMBER_ADD', { ...this.memberObject(userId), guild_id: this.id });
  }

  /** Adds a role without permissions, held by `userIds` (members); the guild's shard gets GUILD_ROLE_CREATE. */
  addRole(name: string, userIds: string[]): string {
    const created = role(this.env.core.snowflake(), name, 0n, this.roles.length);
    this.roles.push(created);
    for (const userId of userIds) this.members.get(userId)?.roles.push(created.id as string);
    if (this.env.events.hasSessions) this.env.events.dispatch('GUILD_ROLE_CREATE', { guild_id: this.id, role: created });
    return created.id as string;
  }

  /** Creates a channel; `announce`: dispatches CHANNEL_CREATE (threads: THREAD_CREATE) to the guild's shard. */
  createChannel(opts: ChannelSpec, announce = true): string {
    const { core, channels, events } = this.env;
    const id = core.snowflake();
    const type = opts.type ?? 0;
    const position = [...channels.values()].filter((c) => c.guild_id === this.id && c.type === type).length;
    let channel: Json;
    if (THREAD_TYPES.has(type)) {
      const parentId = opts.parentId ?? this.defaultChannelId;
      channel = this.threadChannel({ id, type, name: opts.name ?? `thread-${position}`, parentId, ownerId: this.env.user.id, autoArchiveDuration: 1440, rateLimitPerUser: 0 });
    } else {
      channel = {
        id,
        type,
        guild_id: this.id,
        name: opts.name ?? `channel-${position}`,
        position,
        permission_overwrites: [],
        parent_id: opts.parentId ?? null,
        nsfw: false,
        flags: 0,
        ...(type === 4 ? {} : { topic: opts.topic ?? null, last_message_id: null, rate_limit_per_user: 0 }),
      };
    }
    if (opts.botDeny?.length) this.setBotOverwrite(channel, opts.botDeny);
    channels.set(id, channel);
    if (announce && events.hasSessions) {
      if (THREAD_TYPES.has(type)) events.dispatch('THREAD_CREATE', { ...channel, newly_created: true });
      else events.dispatch('CHANNEL_CREATE', channel);
    }
    core.changed();
    return id;
  }

  /** A thread's channel object, as Discord answers it and THREAD_CREATE carries it. */
  threadChannel(t: { id: string; type: number; name: string; parentId: string; ownerId: string; autoArchiveDuration: number; rateLimitPerUser: number }): Json {
    return {
      id: t.id,
      type: t.type,
      guild_id: this.id,
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

  /** The member's permissions in a channel, overwrites applied; a thread takes its parent's overwrites. */
  channelPerms(userId: string, channelId: string): bigint {
    const { channels } = this.env;
    const channel = channels.get(channelId);
    const source = channel && THREAD_TYPES.has(channel.type as number) ? channels.get(channel.parent_id as string) : channel;
    const overwrites = (source?.permission_overwrites ?? []) as Overwrite[];
    return applyOverwrites(this.memberPerms(userId), { guildId: this.id, userId, roleIds: this.members.get(userId)?.roles ?? [] }, overwrites);
  }

  /** Denies the bot permissions in one of the guild's channels with a member overwrite; its shard gets CHANNEL_UPDATE. */
  denyBot(channel: Json, perms: PermissionName[]): void {
    this.setBotOverwrite(channel, perms);
    if (this.env.events.hasSessions) this.env.events.dispatch('CHANNEL_UPDATE', channel);
    this.env.core.changed();
  }

  private setBotOverwrite(channel: Json, perms: PermissionName[]): void {
    if (!Array.isArray(channel.permission_overwrites)) {
      throw new Error(`FakeDiscord: channel ${String(channel.id)} (type ${String(channel.type)}) has no permission overwrites (a thread takes its parent's)`);
    }
    const botId = this.env.botUser.id;
    const overwrites = channel.permission_overwrites as Overwrite[];
    let own = overwrites.find((o) => o.type === 1 && o.id === botId);
    if (!own) {
      own = { id: botId, type: 1, allow: '0', deny: '0' };
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
      user: this.env.users.get(userId)!,
    };
  }

  /** A member object without its user, as nested in messages and resolved data. */
  partialMember(userId: string): Json {
    const { user: _u, ...member } = this.memberObject(userId);
    return member;
  }
}

function role(id: string, name: string, perms: bigint, position: number): Json {
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
