import { GuildPremiumTier, type Guild, type Message } from 'discord.js';
import { refusal } from '../access.js';
import { namesOf, placeOf } from '../place.js';
import { classify, type IncomingAttachment } from '../attachments.js';
import type { BotContext } from '../context.js';
import { runAnswer } from '../run-answer.js';
import { messageSurface } from './message-surface.js';

/** Discord's per-file upload limit for messages in a guild (interactions tell theirs directly). */
export function uploadLimitOf(guild: Guild | null): number {
  const mib = 1024 * 1024;
  if (guild?.premiumTier === GuildPremiumTier.Tier3) return 100 * mib;
  if (guild?.premiumTier === GuildPremiumTier.Tier2) return 50 * mib;
  return 10 * mib;
}

/** Said when a mention replies to someone else's message that the bot is shown empty. */
export const CANT_SEE_REPLIED =
  'I can’t see the images (or text) of the message you replied to: this bot runs without Discord’s Message Content intent. Attach the image to your own message instead.';

/**
 * A message that mentions the bot is answered like /ask, as a reply to it. Images on the message
 * it replies to (anyone's, the bot's own generated ones included) go to the model too: that is how
 * people ask about a picture or edit one.
 */
export async function answerMention(message: Message, ctx: BotContext): Promise<void> {
  const botId = message.client.user.id;
  if (message.author.bot || message.author.id === botId || !message.mentions.users.has(botId)) return;
  const place = placeOf(message);
  const refused = refusal(ctx.config.access, place);
  if (refused) {
    // Silently: a reply would be noise in a channel the operator kept the bot out of.
    ctx.logger.info({ channel: message.channelId, user: message.author.id, refused }, 'mention ignored by the allowlists');
    return;
  }

  const text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim();
  const referenced = message.reference?.messageId ? await message.fetchReference().catch(() => undefined) : undefined;
  const referencedImages = referenced ? [...referenced.attachments.values()].filter((a) => classify({ name: a.name, contentType: a.contentType }) === 'image') : [];
  const attachments: IncomingAttachment[] = [...referencedImages, ...message.attachments.values()];

  // Without the Message Content intent, Discord shows the bot other people's messages empty.
  const blind = !ctx.config.messageContentIntent && referenced !== undefined && referenced.author.id !== botId;
  const quoted = referenced?.content.trim() ? `(Replying to ${referenced.author.displayName}: “${referenced.content.trim().slice(0, 500)}”)\n` : '';
  const prompt = `${quoted}${text || (attachments.length ? 'What is this?' : '')}`.trim();
  if (!prompt) {
    await message.reply({ content: blind ? `⚠️ ${CANT_SEE_REPLIED}` : 'Ask me something after the mention, or reply to an image and mention me.', allowedMentions: { parse: [], repliedUser: false } });
    return;
  }
  if (message.channel.isSendable()) await message.channel.sendTyping().catch(() => undefined);
  await runAnswer(ctx, {
    channelId: message.channelId,
    author: { id: message.author.id, name: message.member?.displayName ?? message.author.displayName },
    prompt,
    attachments,
    settings: await ctx.settings.effective(place),
    place,
    names: namesOf(message),
    uploadLimit: uploadLimitOf(message.guild),
    surface: messageSurface(message, ctx.rest),
    ...(blind ? { notes: [`🖼️ ${CANT_SEE_REPLIED}`] } : {}),
  });
}
