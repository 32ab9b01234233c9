import { HTTPClient, OpenRouter } from '@openrouter/sdk';

/** How the body of an answer the bot reads itself is encoded. */
export type BodyFormat = 'sse' | 'json';

/** Per-call state the shared client's fetcher needs, found by a header the fetcher removes again. */
export interface CallContext {
  /**
   * Passed straight to fetch: the SDK's own `signal` option reaches fetch only through a WeakRef
   * on Node 20 and can be lost after a garbage collection.
   */
  signal: AbortSignal;
  /**
   * Takes the body of a successful streamed answer (and, with `json`, of a JSON one) for the bot
   * to read (see sse.ts); the SDK is handed an empty event stream instead. Its schemas drop fields
   * the bot needs (`delta.images`, and fields outside the Image API's few) and reject whole answers
   * over one missing usage count.
   */
  takeBody?: (body: ReadableStream<Uint8Array>, format: BodyFormat) => void;
  json?: boolean;
  /**
   * Told as each attempt (the first, and every retry) goes out and when it is answered or fails:
   * the SDK's waits between retries are not silence from the model.
   */
  attempt?: { sent(): void; answered(): void };
}

const CALL_HEADER = 'x-bot-call';
const calls = new Map<string, CallContext>();
let nextCall = 0;

/**
 * Runs an SDK call with per-call state for the fetcher. The state travels as a request header
 * rather than in AsyncLocalStorage, whose promise hooks would tax every await in the process.
 */
export async function withCallContext<T>(context: CallContext, run: (headers: Record<string, string>) => Promise<T>): Promise<T> {
  const id = String(++nextCall);
  calls.set(id, context);
  try {
    return await run({ [CALL_HEADER]: id });
  } finally {
    calls.delete(id);
  }
}

/** A header value keeps printable ASCII only (fetch throws on the rest): a Discord name may not be. */
export function headerText(text: string | undefined): string | undefined {
  const kept = text?.replace(/[^\x20-\x7E]+/g, ' ').replace(/ {2,}/g, ' ').trim().slice(0, 100);
  return kept || undefined;
}

export interface OpenRouterOptions {
  apiKey: string;
  baseUrl: string;
  /** How long transient failures (408, 429, 5xx, refused connections) are retried before giving up. */
  retryBudgetMs: number;
  /**
   * OpenRouter's app attribution, the operator's to choose: `url` goes out as HTTP-Referer (none by
   * default rather than a made-up one), `title()` as the title header, read per request because the
   * default, the bot's Discord name, is known only once it has logged in.
   */
  attribution?: { url?: string; title(): string | undefined };
  fetch?: typeof fetch;
}

export function createOpenRouter({ apiKey, baseUrl, retryBudgetMs, attribution, fetch: doFetch = fetch }: OpenRouterOptions): OpenRouter {
  const httpClient = new HTTPClient({
    fetcher: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const id = request.headers.get(CALL_HEADER);
      const context = id === null ? undefined : calls.get(id);
      request.headers.delete(CALL_HEADER);
      // Set on every request, not only the chat calls the SDK attributes: the Image API counts too.
      if (attribution?.url) request.headers.set('HTTP-Referer', attribution.url);
      const title = headerText(attribution?.title());
      if (title) request.headers.set('X-OpenRouter-Title', title);
      context?.attempt?.sent();
      let response: Response;
      try {
        response = await doFetch(request, context ? { signal: context.signal } : undefined);
      } finally {
        context?.attempt?.answered();
      }
      const type = response.headers.get('content-type') ?? '';
      const format: BodyFormat | undefined = type.includes('text/event-stream') ? 'sse' : context?.json && type.includes('application/json') ? 'json' : undefined;
      // Error answers stay with the SDK: its error classes are what errors.ts explains.
      if (!context?.takeBody || !format || !response.ok || !response.body) return response;
      context.takeBody(response.body, format);
      const headers = new Headers(response.headers);
      headers.set('content-type', 'text/event-stream');
      return new Response('', { status: response.status, statusText: response.statusText, headers });
    },
  });
  return new OpenRouter({
    apiKey,
    serverURL: baseUrl,
    httpClient,
    // The default retries 5xx for up to an hour; a person is waiting in Discord.
    retryConfig: {
      strategy: 'backoff',
      backoff: { initialInterval: 500, maxInterval: 4_000, exponent: 2, maxElapsedTime: retryBudgetMs },
      retryConnectionErrors: true,
    },
  });
}
