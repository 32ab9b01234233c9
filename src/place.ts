import type { AutocompleteInteraction, ChatInputCommandInteraction, Message } from 'discord.js';

/** Where a request comes from: for the allowlists, and for which settings apply. */
export interface Place {
  guildId: string | null;
  channelId: string;
  /** For a thread: its parent channel, which the channel allowlist also accepts. */
  parentId?: string | null | undefined;
  /** The asker's roles in the guild. */
  roleIds: readonly string[];
}

/** Where a command or message came from. */
export function placeOf(source: ChatInputCommandInteraction | AutocompleteInteraction | Message): Place {
  const member = source.member;
  const roleIds = !member ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  const channel = source.channel;
  return { guildId: source.guildId, channelId: source.channelId, parentId: channel?.isThread() ? channel.parentId : null, roleIds };
}

/** The channel's and server's names, for the system prompt's placeholders. */
export function namesOf(source: ChatInputCommandInteraction | Message): { channel: string; server: string | undefined } {
  const channel = source.channel;
  return { channel: channel && 'name' in channel && channel.name ? `#${channel.name}` : 'a direct message', server: source.guild?.name };
}
