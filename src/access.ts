import type { ChatInputCommandInteraction, Message } from 'discord.js';

/** Where the bot may answer, from the operator's allowlists. Empty lists allow everything. */
export interface AccessPolicy {
  guilds: ReadonlySet<string>;
  channels: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  allowDMs: boolean;
}

export interface Place {
  guildId: string | null;
  channelId: string;
  /** For a thread: its parent channel, which the channel allowlist also accepts. */
  parentId?: string | null | undefined;
  /** The asker's roles in the guild. */
  roleIds: readonly string[];
}

/** Why the bot won't answer here, or undefined when it will. */
export function refusal(policy: AccessPolicy, place: Place): string | undefined {
  if (place.guildId === null) return policy.allowDMs ? undefined : 'I don’t answer in direct messages here; ask me in a server channel.';
  if (policy.guilds.size && !policy.guilds.has(place.guildId)) return 'I’m not enabled in this server.';
  if (policy.channels.size && !policy.channels.has(place.channelId) && !(place.parentId && policy.channels.has(place.parentId))) {
    return 'I’m not enabled in this channel.';
  }
  if (policy.roles.size && !place.roleIds.some((r) => policy.roles.has(r))) return 'You need one of the roles this bot is enabled for.';
  return undefined;
}

/** Where a command or message came from, for the policy. */
export function placeOf(source: ChatInputCommandInteraction | Message): Place {
  const member = source.member;
  const roleIds = !member ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  const channel = source.channel;
  return { guildId: source.guildId, channelId: source.channelId, parentId: channel?.isThread() ? channel.parentId : null, roleIds };
}
