/** The `resolved` data Discord attaches to options and selects that name users, roles or channels. */
import type { Json } from './json.js';
import type { GuildState } from './state.js';

/** Adds a user (and their member, with permissions) if the guild knows them. */
export function resolveUser(g: GuildState, resolved: Json, id: string): boolean {
  const user = g.users.get(id);
  if (!user) return false;
  ((resolved.users ??= {}) as Json)[id] = user;
  ((resolved.members ??= {}) as Json)[id] = { ...g.partialMember(id), permissions: g.memberPerms(id).toString() };
  return true;
}

export function resolveRole(g: GuildState, resolved: Json, id: string): boolean {
  const role = g.roles.find((r) => r.id === id);
  if (role) ((resolved.roles ??= {}) as Json)[id] = role;
  return role !== undefined;
}

/** Adds a channel with the permissions of the user who picked it there. */
export function resolveChannel(g: GuildState, resolved: Json, id: string, userId: string): boolean {
  const channel = g.channels.get(id);
  if (channel) ((resolved.channels ??= {}) as Json)[id] = { ...channel, permissions: g.channelPerms(userId, id).toString() };
  return channel !== undefined;
}
