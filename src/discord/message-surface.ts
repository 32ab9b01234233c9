import { AttachmentBuilder, type InteractionEditReplyOptions, type Message, type MessageCreateOptions } from 'discord.js';
import type { RateLimitTracker } from './rate-limits.js';
import type { MessagePayload, PostedMessage, ReplySurface } from './surface.js';

/** Every message carries model output, and model output must never ping anyone. */
export function toMessageOptions(payload: MessagePayload) {
  return {
    content: payload.content,
    allowedMentions: { parse: [], repliedUser: false },
    ...(payload.components ? { components: payload.components as InteractionEditReplyOptions['components'] & object[] } : {}),
    // Files replace the message's attachments; an empty list removes them.
    ...(payload.files?.length
      ? { files: payload.files.map((f) => new AttachmentBuilder(f.data, { name: f.name, ...(f.description ? { description: f.description } : {}) })) }
      : payload.files
        ? { files: [], attachments: [] }
        : {}),
  } satisfies InteractionEditReplyOptions;
}

/** A channel message the bot posted, edited with the bucket state tracked. */
export function editableMessage(message: Message, tracker: RateLimitTracker): PostedMessage {
  return {
    id: message.id,
    channelId: message.channelId,
    edit: (payload) => tracker.measure('PATCH', `/channels/${message.channelId}/messages/${message.id}`, () => message.edit(toMessageOptions(payload))),
  };
}

type Sendable = { send(options: MessageCreateOptions): Promise<Message>; isSendable(): boolean };

/** Posts into a channel, as long as it still takes messages. */
function sendTo(channel: Sendable, options: MessageCreateOptions): Promise<Message> {
  if (!channel.isSendable()) throw new Error('the channel no longer accepts messages');
  return channel.send(options);
}

/**
 * An answer to an ordinary message: the first post replies to it (without pinging its author),
 * later posts continue in the channel.
 */
export function messageSurface(trigger: Message, tracker: RateLimitTracker): ReplySurface {
  let posted = 0;
  return {
    async post(payload) {
      const options = toMessageOptions(payload) as MessageCreateOptions;
      const message = posted++ === 0 ? await trigger.reply(options) : await sendTo(trigger.channel as Sendable, options);
      return editableMessage(message, tracker);
    },
  };
}

/** An answer posted straight into a channel or thread (one the bot started for it). */
export function channelSurface(channel: Sendable, tracker: RateLimitTracker): ReplySurface {
  return {
    async post(payload) {
      return editableMessage(await sendTo(channel, toMessageOptions(payload) as MessageCreateOptions), tracker);
    },
  };
}
