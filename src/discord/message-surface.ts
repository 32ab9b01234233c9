import { Routes, RequestMethod } from 'discord.js';
import { messageRequest, send, sendEdit, type BotRest } from './rest.js';
import { bucketKeys } from './shared-bucket.js';
import type { MessagePayload, Posted, PostedMessage, ReplySurface } from './surface.js';

/** A channel message the bot posted, edited straight through REST. */
export function channelMessage(rest: BotRest, channelId: string, id: string): PostedMessage {
  return {
    id,
    channelId,
    editBucket: () => rest.buckets.get(bucketKeys.channelEdits(channelId)),
    edit: (payload) => sendEdit(rest.bot, Routes.channelMessage(channelId, id), messageRequest(payload)),
  };
}

type Sendable = { id: string; isSendable(): boolean };

/**
 * An answer posted straight into a channel or thread (one the bot started for it, or where an
 * expired interaction's answer continues); with `replyTo`, its first post replies to that message
 * (without pinging its author) and later posts continue in the channel.
 */
export function channelSurface(channel: Sendable, rest: BotRest, replyTo?: string): ReplySurface {
  let posted = 0;
  return {
    postBucket: () => rest.buckets.get(bucketKeys.channelSends(channel.id)),
    async post(payload: MessagePayload): Promise<Posted> {
      if (!channel.isSendable()) throw new Error('the channel no longer accepts messages');
      const reference = replyTo && posted++ === 0 ? { message_reference: { message_id: replyTo } } : {};
      const { data, info } = await send<{ id: string }>(rest.bot, RequestMethod.Post, Routes.channelMessages(channel.id), messageRequest(payload, reference));
      return { message: channelMessage(rest, channel.id, data.id), info };
    },
  };
}

/** An answer to an ordinary message, as a reply to it. */
export function messageSurface(trigger: { id: string; channel: Sendable }, rest: BotRest): ReplySurface {
  return channelSurface(trigger.channel, rest, trigger.id);
}
