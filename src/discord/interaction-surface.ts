import { DiscordAPIError, Routes, type MessageCreateOptions, type RepliableInteraction } from 'discord.js';
import { editableMessage, toMessageOptions } from './message-surface.js';
import type { RateLimitInfo } from './edit-scheduler.js';
import type { RateLimitTracker } from './rate-limits.js';
import type { MessagePayload, PostedMessage, ReplySurface } from './surface.js';

/** Discord's answer once an interaction token is older than 15 minutes. */
const INVALID_WEBHOOK_TOKEN = 50027;
const tokenExpired = (error: unknown) => error instanceof DiscordAPIError && error.code === INVALID_WEBHOOK_TOKEN;

/**
 * A slash command's (or a button's) reply: the first post fills the deferred response, later
 * posts are follow-ups; edits go through the interaction webhook. The webhook dies 15 minutes
 * after the interaction: from then on the answer continues as ordinary channel messages.
 */
export function interactionSurface(interaction: RepliableInteraction, tracker: RateLimitTracker): ReplySurface {
  const channelId = interaction.channelId;
  if (!channelId) throw new Error('an interaction from outside any channel has no reply to stream into');
  let expired = false;
  const sendToChannel = async (payload: MessagePayload) => {
    const channel = interaction.channel;
    if (!channel?.isSendable()) throw new Error('the interaction expired and its channel does not accept messages');
    return editableMessage(await channel.send(toMessageOptions(payload) as MessageCreateOptions), tracker);
  };
  /** Runs a webhook request; when the token has expired, runs the channel fallback instead. */
  const viaWebhook = async <T>(request: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
    if (!expired) {
      try {
        return await request();
      } catch (error) {
        if (!tokenExpired(error)) throw error;
        expired = true;
      }
    }
    return fallback();
  };
  const editPath = (pathId: string) => `/webhooks/${interaction.applicationId}/${interaction.token}/messages/${pathId}`;
  /**
   * Edits a webhook message. Text-only edits (nearly all of a stream) go straight to REST with a
   * ready JSON body: discord.js's editReply resolves a MessagePayload and builds a Message for
   * every call, which the benchmark showed as much of the bot's CPU per reply.
   */
  const patch = async (pathId: string, payload: MessagePayload): Promise<{ id: string }> => {
    if (payload.files?.length) return interaction.editReply({ ...toMessageOptions(payload), message: pathId });
    const body = {
      content: payload.content,
      allowed_mentions: { parse: [], replied_user: false },
      ...(payload.components ? { components: payload.components } : {}),
      ...(payload.files ? { attachments: [] } : {}),
    };
    return (await interaction.client.rest.patch(Routes.webhookMessage(interaction.applicationId, interaction.token, pathId), { body, auth: false })) as { id: string };
  };
  const editable = (id: string, pathId: string, bucket?: RateLimitInfo): PostedMessage => {
    let continuation: PostedMessage | undefined;
    return {
      id,
      channelId,
      bucket,
      edit: (payload) => {
        if (continuation) return continuation.edit(payload);
        return viaWebhook(
          () => tracker.measure('PATCH', editPath(pathId), () => patch(pathId, payload)),
          async () => {
            continuation = await sendToChannel(payload);
            return undefined;
          },
        );
      },
    };
  };
  let posted = 0;
  return {
    async post(payload) {
      const first = posted++ === 0;
      return viaWebhook(
        async () => {
          if (!first) {
            const message = await interaction.followUp(toMessageOptions(payload));
            return editable(message.id, message.id);
          }
          // Filling the deferred reply is an edit of @original: it spends from the bucket later edits use.
          let message: { id: string } | undefined;
          const bucket = await tracker.measure('PATCH', editPath('@original'), async () => (message = await patch('@original', payload)));
          return editable(message!.id, '@original', bucket);
        },
        () => sendToChannel(payload),
      );
    },
  };
}
