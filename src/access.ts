import type { Place } from './place.js';

/** Where the bot may answer, from the operator's allowlists. Empty lists allow everything. */
export interface AccessPolicy {
  guilds: ReadonlySet<string>;
  channels: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  allowDMs: boolean;
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
