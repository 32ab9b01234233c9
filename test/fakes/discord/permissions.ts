/**
 * Discord's permission bits, the defaults of the fake guild's roles, and permissions in a channel
 * computed the way Discord documents it (base from roles, then channel overwrites).
 */
import { missingAccess, missingPermissions, type Reply } from './replies.js';

export const Perm = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  Stream: 1n << 9n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  SendTTSMessages: 1n << 12n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  UseVAD: 1n << 25n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  ManageWebhooks: 1n << 29n,
  UseApplicationCommands: 1n << 31n,
  RequestToSpeak: 1n << 32n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  UseExternalStickers: 1n << 37n,
  SendMessagesInThreads: 1n << 38n,
  UseEmbeddedActivities: 1n << 39n,
  ModerateMembers: 1n << 40n,
  SendVoiceMessages: 1n << 46n,
  SendPolls: 1n << 49n,
  UseExternalApps: 1n << 50n,
} as const;

export const EVERYONE_PERMS =
  Perm.CreateInstantInvite | Perm.AddReactions | Perm.Stream | Perm.ViewChannel | Perm.SendMessages |
  Perm.EmbedLinks | Perm.AttachFiles | Perm.ReadMessageHistory | Perm.MentionEveryone | Perm.UseExternalEmojis |
  Perm.Connect | Perm.Speak | Perm.UseVAD | Perm.ChangeNickname | Perm.UseApplicationCommands | Perm.RequestToSpeak |
  Perm.CreatePublicThreads | Perm.CreatePrivateThreads | Perm.UseExternalStickers | Perm.SendMessagesInThreads |
  Perm.UseEmbeddedActivities | Perm.SendVoiceMessages | Perm.SendPolls | Perm.UseExternalApps;
export const BOT_ROLE_PERMS = EVERYONE_PERMS | Perm.ManageMessages | Perm.ManageChannels;

export type PermissionName = keyof typeof Perm;

/** Everything (what the owner and an Administrator get). */
export const ALL_PERMS = (1n << 51n) - 1n;

/** Discord's permission overwrite object: type 0 role (the @everyone role's id is the guild's), 1 member. */
export interface Overwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

export function bits(names: readonly PermissionName[]): bigint {
  return names.reduce((acc, n) => acc | Perm[n], 0n);
}

/** Discord's compute_overwrites: @everyone's overwrite, then the member's roles' together, then the member's own. */
export function applyOverwrites(base: bigint, who: { guildId: string; userId: string; roleIds: readonly string[] }, overwrites: readonly Overwrite[]): bigint {
  if (base & Perm.Administrator) return ALL_PERMS;
  const apply = (perms: bigint, allow: bigint, deny: bigint): bigint => (perms & ~deny) | allow;
  let perms = base;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === who.guildId);
  if (everyone) perms = apply(perms, BigInt(everyone.allow), BigInt(everyone.deny));
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type !== 0 || !who.roleIds.includes(o.id)) continue;
    allow |= BigInt(o.allow);
    deny |= BigInt(o.deny);
  }
  perms = apply(perms, allow, deny);
  const member = overwrites.find((o) => o.type === 1 && o.id === who.userId);
  return member ? apply(perms, BigInt(member.allow), BigInt(member.deny)) : perms;
}

/**
 * What Discord answers a bot that lacks a permission: without ViewChannel the channel is out of
 * reach (50001 Missing Access), otherwise 50013 Missing Permissions. `undefined` perms: a DM, where
 * there is nothing to check.
 */
export function requirePerms(perms: bigint | undefined, ...needed: PermissionName[]): Reply | undefined {
  if (perms === undefined) return undefined;
  if (!(perms & Perm.ViewChannel)) return missingAccess();
  return needed.some((n) => !(perms & Perm[n])) ? missingPermissions() : undefined;
}
