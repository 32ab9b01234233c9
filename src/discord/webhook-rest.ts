import { setTimeout as sleep } from 'node:timers/promises';
import { STATUS_CODES } from 'node:http';
import { DefaultRestOptions, DefaultUserAgent, DiscordAPIError, HTTPError } from 'discord.js';
import { Agent, FormData, request } from 'undici';
import { mimeForName } from '../images.js';
import { bucketState, rateLimitScope, type RateLimitInfo } from './rate-limits.js';
import type { Sent } from './rest.js';

/** What one webhook request carries: a JSON body, files sent beside it as multipart parts, a query. */
export interface WebhookRequest {
  body: unknown;
  files?: { name: string; data: Buffer }[];
  query?: URLSearchParams;
}

export interface WebhookRestOptions {
  /** Discord's API base (or the REST proxy's), without the version: https://discord.com/api. */
  api: string;
  /** Told of every 429, with its scope. */
  report429(scope: string): void;
  /** How long one attempt may wait for the response's headers, or between pieces of its body. */
  timeoutMs?: number;
}

type Method = 'PATCH' | 'POST';

/**
 * The interaction webhooks' client: an answer's follow-ups and edits, sent by the interaction's
 * token alone. It runs on undici's `request` directly rather than on @discordjs/rest, for two
 * reasons:
 * - @discordjs/rest counts every request but the interaction callback against its
 *   `globalRequestsPerSecond`, and Discord does not count interaction endpoints against the bot's
 *   global limit: at a hundred streaming answers that budget, not Discord, would hold their edits
 *   back.
 * - Its queues, headers copies and per-request abort timers cost about 0.35 ms of CPU a request
 *   beyond undici's own 0.2 (measured at 100 concurrent edits): for a streamed answer, whose every
 *   edit is one of these, more than everything else the bot does per token but parse the stream.
 *
 * Nothing here paces requests: an answer's buckets (shared-bucket.ts) do that from the headers
 * each response reports, read as they come. The client only does what a 429 or a failure asks:
 * waits out a 429 (a global one holds every request of the client until it has passed) and tries
 * again, retries a 5xx, a timeout or a reset connection `retries` times as @discordjs/rest does, and
 * throws Discord's errors as @discordjs/rest's own `DiscordAPIError` and `HTTPError`, so callers tell
 * them apart as before (an expired token's 50027, say).
 */
export class WebhookRest {
  private readonly agent: Agent;
  private readonly base: string;
  private readonly userAgent = `${DefaultUserAgent} ${DefaultRestOptions.userAgentAppendix}`.trim();
  /** Further attempts after a 5xx, a timeout or a reset connection, as @discordjs/rest makes. */
  private readonly retries = DefaultRestOptions.retries;
  private readonly report429: (scope: string) => void;
  /** Until when a global 429 holds every request (Date.now() time). */
  private heldUntil = 0;

  constructor({ api, report429, timeoutMs = DefaultRestOptions.timeout }: WebhookRestOptions) {
    this.base = `${api.replace(/\/+$/, '')}/v${DefaultRestOptions.version}`;
    this.report429 = report429;
    this.agent = new Agent({ connect: { timeout: 30_000 }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  /** Sends a request and parses the message Discord answers with. */
  async send<T>(method: Method, route: `/${string}`, data: WebhookRequest): Promise<Sent<T>> {
    const { body, info } = await this.run(method, route, data);
    return { data: (await body.json()) as T, info };
  }

  /**
   * Edits a message, resolving with its bucket's state only: Discord answers with the whole message
   * again, which is read to the end (so the connection can carry the next request) but not parsed.
   */
  async edit(route: `/${string}`, data: WebhookRequest): Promise<RateLimitInfo | undefined> {
    const { body, info } = await this.run('PATCH', route, data);
    // undici's dump closes the connection past 128 KiB by default (its types say 256); a message
    // with many attachments or embeds may come close.
    await body.dump({ limit: 1 << 20 });
    return info;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async run(method: Method, route: `/${string}`, data: WebhookRequest) {
    const query = data.query?.toString();
    const url = `${this.base}${route}${query ? `?${query}` : ''}`;
    for (let retries = 0; ; ) {
      const held = this.heldUntil - Date.now();
      if (held > 0) await sleep(held);
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, { method, dispatcher: this.agent, ...this.encode(data) });
      } catch (error) {
        if (retries < this.retries && retriable(error)) {
          retries++;
          continue;
        }
        throw error;
      }
      const { statusCode: status, headers, body } = response;
      const header = (name: string): string | null => {
        const value = headers[name];
        return (Array.isArray(value) ? value[0] : value) ?? null;
      };
      if (status === 429) {
        const limited = (await body.json().catch(() => ({}))) as { retry_after?: unknown; global?: unknown };
        const scope = rateLimitScope({ get: header });
        this.report429(scope);
        const global = scope === 'global' || limited.global === true;
        const waitMs = 1000 * (typeof limited.retry_after === 'number' ? limited.retry_after : Number(header('retry-after') ?? header('x-ratelimit-reset-after') ?? 1));
        if (global) this.heldUntil = Math.max(this.heldUntil, Date.now() + waitMs);
        else await sleep(waitMs);
        continue;
      }
      if (status >= 500) {
        await body.dump();
        if (retries < this.retries) {
          retries++;
          continue;
        }
        throw new HTTPError(status, STATUS_CODES[status] ?? 'Server Error', method, url, { body: data.body, files: data.files });
      }
      if (status >= 400) {
        const error = discordError(await body.text());
        throw new DiscordAPIError(error, error.code, status, method, url, { body: data.body, files: data.files });
      }
      return { body, info: bucketState({ get: header }, 0) };
    }
  }

  private encode({ body, files }: WebhookRequest): { headers: Record<string, string>; body: string | FormData } {
    if (!files?.length) return { headers: { 'user-agent': this.userAgent, 'content-type': 'application/json' }, body: JSON.stringify(body) };
    // As @discordjs/rest sends files: each a part of its own, the message as `payload_json`.
    const form = new FormData();
    // A Buffer is typed as possibly shared memory, which a Blob can't hold; these never are.
    files.forEach((file, i) => form.append(`files[${i}]`, new Blob([file.data as Uint8Array<ArrayBuffer>], { type: mimeForName(file.name) ?? 'application/octet-stream' }), file.name));
    form.append('payload_json', JSON.stringify(body));
    return { headers: { 'user-agent': this.userAgent }, body: form };
  }
}

/** Discord's error JSON; anything else in front of it (a proxy's HTML page) keeps its words as the message. */
function discordError(text: string): { code: number; message: string } {
  try {
    const parsed = JSON.parse(text) as { code?: unknown; message?: unknown } | null;
    if (parsed && typeof parsed.message === 'string') return { ...parsed, code: typeof parsed.code === 'number' ? parsed.code : 0, message: parsed.message };
  } catch {
    // Not JSON.
  }
  return { code: 0, message: text.slice(0, 200) };
}

/** Timeouts and connections dropped under a request: the failures @discordjs/rest tries again. */
function retriable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}
