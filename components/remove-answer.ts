import { DiscordAPIError, Routes, type Client } from 'discord.js';
import type { BotContext } from '../src/context.js';
import type { ExchangeAddress } from '../src/conversation/history.js';

export interface MessageRef {
  channelId: string;
  id: string;
}

const UNKNOWN_MESSAGE = 10008;

/** Deletes an answer's messages (already gone ones are fine) and its exchange from the conversation. */
export async function removeAnswer(client: Client, ctx: BotContext, answer: { messages: MessageRef[]; channelId: string; exchange: ExchangeAddress | undefined }): Promise<void> {
  for (const m of answer.messages) {
    await client.rest.delete(Routes.channelMessage(m.channelId, m.id)).catch((err: unknown) => {
      if (!(err instanceof DiscordAPIError && err.code === UNKNOWN_MESSAGE)) throw err;
    });
  }
  if (answer.exchange) await ctx.history.remove(answer.channelId, answer.exchange);
}

/** A link to a message, for pointing from an old answer to a new one. */
export function messageLink(guildId: string | null, m: MessageRef): string {
  return `https://discord.com/channels/${guildId ?? '@me'}/${m.channelId}/${m.id}`;
}
