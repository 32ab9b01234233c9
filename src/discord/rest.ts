import { parseResponse, REST, RequestMethod, type RequestData, type RouteLike } from 'discord.js';
import { bucketState, type RateLimitInfo } from './rate-limits.js';
import { Buckets } from './shared-bucket.js';
import type { MessagePayload } from './surface.js';
import type { WebhookRest } from './webhook-rest.js';

/** The REST clients answers are streamed through, and the buckets their messages share. */
export interface BotRest {
  /** discord.js's own, with the bot's token: everything but the interaction webhooks. */
  bot: REST;
  /** Interaction webhooks (`/webhooks/{application}/{interaction token}`…), sent without the bot's token. */
  interactions: WebhookRest;
  buckets: Buckets;
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
export function messageRequest(payload: MessagePayload, extra: Record<string, unknown> = {}): { body: Record<string, unknown>; files?: { name: string; data: Buffer }[] } {
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

