import type { Message, MessageCreateOptions } from 'discord.js';
import { toMessageOptions } from './interaction-surface.js';
import type { RateLimitTracker } from './rate-limits.js';
import type { PostedMessage, ReplySurface } from './surface.js';

/**
 * An answer to an ordinary message: the first post replies to it (without pinging its author),
 * later posts continue in the channel.
 */
export function messageSurface(trigger: Message, tracker: RateLimitTracker): ReplySurface {
  const editable = (message: Message): PostedMessage => ({
    id: message.id,
    edit: (payload) => tracker.measure('PATCH', `/channels/${message.channelId}/messages/${message.id}`, () => message.edit(toMessageOptions(payload))),
  });
  let posted = 0;
  return {
    async post(payload) {
      const options = toMessageOptions(payload) as MessageCreateOptions;
      if (posted++ === 0) return editable(await trigger.reply(options));
      if (!trigger.channel.isSendable()) throw new Error('the channel no longer accepts messages');
      return editable(await trigger.channel.send(options));
    },
  };
}
