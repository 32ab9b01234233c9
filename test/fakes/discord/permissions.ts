/** Discord's permission bits and the defaults of the fake guild's roles. */
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
  UseApplicationCommands: 1n << 31n,
  RequestToSpeak: 1n << 32n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  UseExternalStickers: 1n << 37n,
  SendMessagesInThreads: 1n << 38n,
  UseEmbeddedActivities: 1n << 39n,
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
