import { DiscordAPIError, Routes, type Client } from 'discord.js';
import type { BotContext } from '../src/context.js';
import type { ExchangeAddress } from '../src/conversation/history.js';
import type { Place } from '../src/place.js';
import type { EffectiveSettings } from '../src/settings/resolve.js';

export interface MessageRef {
  channelId: string;
  id: string;
}

/** What the buttons under any answer keep: what was asked, by whom, where, with which settings, and where it all is. */
export interface AnsweredRequest {
  /** Where it was asked (server, channel, the asker's roles): for budgets and links. */
  place: Place;
  /** The conversation's channel (a thread answered in is its own). */
  channelId: string;
  exchange: ExchangeAddress | undefined;
  /** The bot's messages of this answer, earlier versions and parts included. */
  messages: MessageRef[];
  prompt: string;
  author: { id: string; name: string };
  settings: EffectiveSettings;
  names: { channel: string; server: string | undefined };
  uploadLimit?: number;
}

type Asked = Pick<AnsweredRequest, 'place' | 'channelId' | 'prompt' | 'author' | 'settings' | 'names'> & { uploadLimit?: number | undefined };

/** The record of a request that was answered in `messages`. */
export function answered(input: Asked, exchange: ExchangeAddress | undefined, messages: MessageRef[]): AnsweredRequest {
  const { place, channelId, prompt, author, settings, names, uploadLimit } = input;
  return { place: { ...place }, channelId, exchange, messages, prompt, author, settings, names, ...(uploadLimit ? { uploadLimit } : {}) };
}

/** The request again, for a button's new answer to it. */
export function askedAgain(record: AnsweredRequest): Asked {
  const { place, channelId, prompt, author, settings, names, uploadLimit } = record;
  return { place, channelId, prompt, author, settings, names, ...(uploadLimit ? { uploadLimit } : {}) };
}

/** Whether the conversation still holds the request's exchange (after `/reset` or a Delete it doesn't); one never stored had nothing to lose. */
export async function stillRemembered(ctx: BotContext, record: Pick<AnsweredRequest, 'channelId' | 'exchange'>): Promise<boolean> {
  return !record.exchange || (await ctx.history.exchange(record.channelId, record.exchange)) !== undefined;
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
