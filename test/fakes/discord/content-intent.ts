/**
 * The Message Content intent: without it, Discord empties what a message says (content, embeds,
 * attachments, components) wherever the app reads it, gateway and REST alike, except in DMs, in
 * messages that mention the app, and in the app's own messages.
 */
import { isObj, type Json } from './json.js';

export const INTENT_MESSAGE_CONTENT = 1 << 15;

export function withoutContent(message: Json, botId: string, inDm: boolean): Json {
  const author = isObj(message.author) ? message.author : undefined;
  const mentions = Array.isArray(message.mentions) ? message.mentions : [];
  if (author?.id === botId || inDm || mentions.some((u) => isObj(u) && u.id === botId)) return message;
  return { ...message, content: '', embeds: [], attachments: [], components: [] };
}
