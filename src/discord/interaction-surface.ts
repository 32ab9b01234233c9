import { DiscordAPIError, Routes, type RepliableInteraction } from 'discord.js';
import { channelSurface } from './message-surface.js';
import { messageRequest, type BotRest } from './rest.js';
import { bucketKeys } from './shared-bucket.js';
import type { MessagePayload, Posted, PostedMessage, ReplySurface } from './surface.js';

/** Discord's answer once an interaction token is older than 15 minutes. */
const INVALID_WEBHOOK_TOKEN = 50027;
const tokenExpired = (error: unknown) => error instanceof DiscordAPIError && error.code === INVALID_WEBHOOK_TOKEN;

/**
 * A slash command's (or a button's) reply: the first post fills the deferred response, later
 * posts are follow-ups; edits go through the interaction webhook. The webhook dies 15 minutes
 * after the interaction: from then on the answer continues as ordinary channel messages.
 */
export function interactionSurface(interaction: RepliableInteraction, rest: BotRest): ReplySurface {
  const channelId = interaction.channelId;
  if (!channelId) throw new Error('an interaction from outside any channel has no reply to stream into');
  const { applicationId, token } = interaction;
  let expired = false;
  let inChannel: ReplySurface | undefined;
  const channel = (): ReplySurface => {
    const sendable = interaction.channel;
    if (!sendable?.isSendable()) throw new Error('the interaction expired and its channel does not accept messages');
    return (inChannel ??= channelSurface(sendable, rest));
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
  const webhook = (method: 'PATCH' | 'POST', route: `/${string}`, payload: MessagePayload, query?: URLSearchParams) =>
    rest.interactions.send<{ id: string }>(method, route, { ...messageRequest(payload), ...(query ? { query } : {}) });
  const editable = (id: string, pathId: string): PostedMessage => {
    let continuation: PostedMessage | undefined;
    return {
      id,
      channelId,
      editBucket: () => continuation?.editBucket() ?? rest.buckets.get(bucketKeys.webhookEdits(applicationId, token)),
      edit: (payload) => {
        if (continuation) return continuation.edit(payload);
        return viaWebhook(
          () => rest.interactions.edit(Routes.webhookMessage(applicationId, token, pathId), messageRequest(payload)),
          async () => {
            continuation = (await channel().post(payload)).message;
            return undefined;
          },
        );
      },
    };
  };
  let posted = 0;
  return {
    // Filling the deferred reply is an edit of @original: it spends from the bucket later edits use.
    postBucket: (index) =>
      expired ? channel().postBucket(index) : rest.buckets.get(index === 0 ? bucketKeys.webhookEdits(applicationId, token) : bucketKeys.webhookSends(applicationId, token)),
    async post(payload): Promise<Posted> {
      const first = posted++ === 0;
      return viaWebhook(
        async () => {
          if (first) {
            const { data, info } = await webhook('PATCH', Routes.webhookMessage(applicationId, token, '@original'), payload);
            return { message: editable(data.id, '@original'), info };
          }
          const { data, info } = await webhook('POST', Routes.webhook(applicationId, token), payload, new URLSearchParams({ wait: 'true' }));
          return { message: editable(data.id, data.id), info };
        },
        () => channel().post(payload),
      );
    },
  };
}
