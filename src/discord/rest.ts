import { parseResponse, REST, RequestMethod, type RequestData, type RESTOptions, type RouteLike } from 'discord.js';
import { bucketState, type RateLimitInfo } from './rate-limits.js';
import { Buckets } from './shared-bucket.js';
import type { MessagePayload } from './surface.js';

/** The REST clients answers are streamed through, and the buckets their messages share. */
export interface BotRest {
  /** discord.js's own, with the bot's token: everything but the interaction webhooks. */
  bot: REST;
  /** Interaction webhooks (`/webhooks/{application}/{interaction token}`…), sent without the bot's token. */
  interactions: REST;
  buckets: Buckets;
}

/**
 * A REST client for the interaction webhooks. Discord does not count interaction endpoints against
 * the bot's global limit of 50 requests a second, but @discordjs/rest counts every request except
 * the interaction callback against its `globalRequestsPerSecond`; at a hundred streaming answers
 * that budget, not Discord, would hold their edits back. Channel routes keep discord.js's client
 * and its budget, which is Discord's real one.
 *
 * Without a global budget, the client's `offset` (50 ms by default: how long past a reset it waits
 * before sending) only guards bucket resets, and those need no margin: the reset it computes is
 * late by the response's trip already (Reset-After counts from when Discord answered), and the
 * request reaches Discord a trip after it leaves. The default would hold every final text that
 * waits for a reset 50 ms longer than the bucket does. (discord.js's own client keeps it: there it
 * also separates its global windows from Discord's, which no header tells.)
 */
export function interactionRest(options: Partial<RESTOptions>): REST {
  return new REST({ ...options, globalRequestsPerSecond: Number.POSITIVE_INFINITY, offset: 0 });
}

/** A request's body with the bucket state its response reported. */
export interface Sent<T> {
  data: T;
  info: RateLimitInfo | undefined;
}

/**
 * Sends one request and reads the bucket state from its response. discord.js's `rest.patch()`
 * resolves with the body only, and listening to its `response` event for the headers makes it
 * clone every response it reads; `queueRequest` hands back the response itself.
 */
export async function send<T>(rest: REST, method: RequestMethod, route: RouteLike, request: RequestData): Promise<Sent<T>> {
  const response = await rest.queueRequest({ ...request, method, fullRoute: route });
  return { data: (await parseResponse(response)) as T, info: infoOf(rest, route, response) };
}

/**
 * Edits a message, resolving with its bucket's state only: Discord answers with the whole message
 * again, which is read to the end (so the connection can carry the next request) but not parsed.
 */
export async function sendEdit(rest: REST, route: RouteLike, request: RequestData): Promise<RateLimitInfo | undefined> {
  const response = await rest.queueRequest({ ...request, method: RequestMethod.Patch, fullRoute: route });
  await response.arrayBuffer();
  return infoOf(rest, route, response);
}

function infoOf(rest: REST, route: RouteLike, response: { headers: Headers }): RateLimitInfo | undefined {
  const offset = rest.options.offset;
  return bucketState(response.headers, typeof offset === 'number' ? offset : offset(route));
}

/**
 * A message as Discord's JSON, files as multipart parts: the payload goes out as it is, without
 * discord.js resolving a MessagePayload and building a Message for every edit. Every message
 * carries model output, and model output must never ping anyone.
 */
export function messageRequest(payload: MessagePayload, extra: Record<string, unknown> = {}): RequestData {
  const files = payload.files ?? [];
  return {
    body: {
      content: payload.content,
      allowed_mentions: { parse: [], replied_user: false },
      ...(payload.components ? { components: payload.components } : {}),
      // An empty list of files removes the message's attachments; no list leaves them as they are.
      ...(payload.files ? { attachments: files.map((f, i) => ({ id: String(i), filename: f.name, ...(f.description ? { description: f.description } : {}) })) } : {}),
      ...extra,
    },
    ...(files.length ? { files: files.map((f) => ({ name: f.name, data: f.data })) } : {}),
  };
}

