import { AttachmentBuilder, type ChatInputCommandInteraction, type InteractionEditReplyOptions } from 'discord.js';
import type { RateLimitTracker } from './rate-limits.js';
import type { MessagePayload, PostedMessage, ReplySurface } from './surface.js';

/** Every message carries model output, and model output must never ping anyone. */
export function toMessageOptions(payload: MessagePayload) {
  return {
    content: payload.content,
    allowedMentions: { parse: [], repliedUser: false },
    ...(payload.components ? { components: payload.components as InteractionEditReplyOptions['components'] & object[] } : {}),
    ...(payload.files?.length
      ? { files: payload.files.map((f) => new AttachmentBuilder(f.data, { name: f.name, ...(f.description ? { description: f.description } : {}) })) }
      : {}),
  } satisfies InteractionEditReplyOptions;
}

/**
 * A slash command's reply: the first post fills the deferred response, later posts are
 * follow-ups; edits go through the interaction webhook.
 */
export function interactionSurface(interaction: ChatInputCommandInteraction, tracker: RateLimitTracker): ReplySurface {
  let posted = 0;
  const editable = (id: string, pathId: string): PostedMessage => ({
    id,
    edit: (payload) =>
      tracker.measure('PATCH', `/webhooks/${interaction.applicationId}/${interaction.token}/messages/${pathId}`, () =>
        interaction.editReply({ ...toMessageOptions(payload), message: pathId }),
      ),
  });
  return {
    async post(payload) {
      if (posted++ === 0) {
        const message = await interaction.editReply(toMessageOptions(payload));
        return editable(message.id, '@original');
      }
      const message = await interaction.followUp(toMessageOptions(payload));
      return editable(message.id, message.id);
    },
  };
}
