/** The `resolved` data Discord attaches to options and selects that name users, roles or channels. */
import type { Guild } from './guild.js';
import type { Json } from './json.js';
import type { GuildState } from './state.js';

/** Adds a user if the application knows them, and in a guild their member, with permissions. */
export function resolveUser(w: GuildState, guild: Guild | undefined, resolved: Json, id: string): boolean {
  const user = w.users.get(id);
  if (!user) return false;
  ((resolved.users ??= {}) as Json)[id] = user;
  if (guild) ((resolved.members ??= {}) as Json)[id] = { ...guild.partialMember(id), permissions: guild.memberPerms(id).toString() };
  return true;
}

export function resolveRole(guild: Guild | undefined, resolved: Json, id: string): boolean {
  const role = guild?.roles.find((r) => r.id === id);
  if (role) ((resolved.roles ??= {}) as Json)[id] = role;
  return role !== undefined;
}

/** Adds a channel with the permissions of the user who picked it there. */
export function resolveChannel(w: GuildState, resolved: Json, id: string, userId: string): boolean {
  const channel = w.channels.get(id);
  if (channel) ((resolved.channels ??= {}) as Json)[id] = { ...channel, permissions: w.channelPerms(userId, id).toString() };
  return channel !== undefined;
}
