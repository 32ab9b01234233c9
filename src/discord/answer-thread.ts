import {
  ChannelType,
  DiscordAPIError,
  escapeMarkdown,
  PermissionFlagsBits,
  ThreadAutoArchiveDuration,
  type ChatInputCommandInteraction,
  type ThreadChannel,
} from 'discord.js';

export type ThreadPlacement = { ok: true; thread: ThreadChannel } | { ok: false; why: string };

const NAME_MAX = 100;
const MISSING_PERMISSIONS = 50013;
const WRONG_CHANNEL_TYPE = 50024;
const THREAD_EXISTS = 160004;

/** A thread's name from the question: its first line, cut at a word, within Discord's 100 characters. */
export function threadName(question: string): string {
  const line = question.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).find(Boolean) ?? '';
  if (!line) return 'Answer';
  if (line.length <= NAME_MAX) return line;
  const cut = line.slice(0, NAME_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > NAME_MAX / 2 ? cut.slice(0, space) : cut}…`;
}

/** Why Discord refused to start the thread, in words for the footer. */
function explainThreadError(error: unknown): string {
  if (error instanceof DiscordAPIError) {
    if (error.code === MISSING_PERMISSIONS) return 'I’m not allowed to start threads here';
    if (error.code === WRONG_CHANNEL_TYPE) return 'threads can’t be started in this kind of channel';
    if (error.code === THREAD_EXISTS) return 'that message already has a thread';
    return `Discord refused to start a thread (${error.message.slice(0, 100)})`;
  }
  return 'Discord could not start a thread just now';
}

/**
 * Starts a thread from the command's (deferred) reply for the answer to go in. The reply then
 * says what was asked; the answer streams into the thread. Where that can't be done the caller
 * answers in place, with the reason in the footer.
 */
export async function startAnswerThread(interaction: ChatInputCommandInteraction, asker: string, question: string): Promise<ThreadPlacement> {
  const channel = interaction.channel;
  if (!interaction.inGuild()) return { ok: false, why: 'threads aren’t available in direct messages' };
  if (channel?.isThread()) return { ok: false, why: 'this is already a thread' };
  if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) {
    return { ok: false, why: 'threads can’t be started in this kind of channel' };
  }
  // Asking Discord anyway would be an invalid request, and those count towards an IP ban.
  const missing = interaction.appPermissions.missing([PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.SendMessagesInThreads]);
  if (missing.length) return { ok: false, why: 'I’m not allowed to start threads here' };
  try {
    const excerpt = question.length > 300 ? `${question.slice(0, 300)}…` : question;
    const reply = await interaction.editReply({ content: `🧵 **${escapeMarkdown(asker)}** asked: ${excerpt}`, allowedMentions: { parse: [] } });
    const thread = await channel.threads.create({ name: threadName(question), startMessage: reply.id, autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
    return { ok: true, thread };
  } catch (error) {
    return { ok: false, why: explainThreadError(error) };
  }
}
