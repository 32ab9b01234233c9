import { AsyncLocalStorage } from 'node:async_hooks';
import { HTTPClient, OpenRouter } from '@openrouter/sdk';

/** Per-call state the shared client's fetcher needs, carried without threading it through the SDK. */
export interface CallContext {
  /**
   * Passed straight to fetch: the SDK's own `signal` option reaches fetch only through a WeakRef
   * on Node 20 and can be lost after a garbage collection.
   */
  signal: AbortSignal;
  /** Receives images streamed in `delta.images`, which the SDK's stream schema drops. */
  onImage?: (dataUrl: string) => void;
}

const callContext = new AsyncLocalStorage<CallContext>();

export function withCallContext<T>(context: CallContext, run: () => Promise<T>): Promise<T> {
  return callContext.run(context, run);
}

export interface OpenRouterOptions {
  apiKey: string;
  baseUrl: string;
  /** How long transient failures (408, 429, 5xx, refused connections) are retried before giving up. */
  retryBudgetMs: number;
  fetch?: typeof fetch;
}

export function createOpenRouter({ apiKey, baseUrl, retryBudgetMs, fetch: doFetch = fetch }: OpenRouterOptions): OpenRouter {
  const httpClient = new HTTPClient({
    fetcher: async (input, init) => {
      const context = callContext.getStore();
      const response = await doFetch(input, context ? { ...init, signal: context.signal } : init);
      const isStream = response.headers.get('content-type')?.includes('text/event-stream');
      if (!context?.onImage || !isStream || !response.body) return response;
      const [forSdk, forImages] = response.body.tee();
      readStreamedImages(forImages, context.onImage).catch(() => {
        // The SDK's branch sees the same failure and reports it.
      });
      return new Response(forSdk, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  });
  return new OpenRouter({
    apiKey,
    serverURL: baseUrl,
    httpClient,
    httpReferer: 'https://github.com/openrouter-discord-bot',
    appTitle: 'OpenRouter Discord bot',
    // The default retries 5xx for up to an hour; a person is waiting in Discord.
    retryConfig: {
      strategy: 'backoff',
      backoff: { initialInterval: 500, maxInterval: 4_000, exponent: 2, maxElapsedTime: retryBudgetMs },
      retryConnectionErrors: true,
    },
  });
}

/**
 * Reads `delta.images` out of a raw SSE body. Only `data:` lines that mention images are parsed,
 * so text tokens cost a substring check.
 */
export async function readStreamedImages(body: ReadableStream<Uint8Array>, onImage: (dataUrl: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  const handleLine = (line: string) => {
    if (!line.startsWith('data:') || !line.includes('"images"')) return;
    let chunk: { choices?: { delta?: { images?: { image_url?: { url?: string } }[] } }[] };
    try {
      chunk = JSON.parse(line.slice(5));
    } catch {
      return;
    }
    for (const choice of chunk.choices ?? []) {
      for (const image of choice.delta?.images ?? []) {
        if (image.image_url?.url) onImage(image.image_url.url);
      }
    }
  };
  for await (const bytes of body) {
    // Search only the new bytes for line ends: an image line can be megabytes long.
    let from = buffered.length;
    buffered += decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let nl = buffered.indexOf('\n', from); nl !== -1; nl = buffered.indexOf('\n', from)) {
      handleLine(buffered.slice(start, nl).replace(/\r$/, ''));
      start = from = nl + 1;
    }
    if (start > 0) buffered = buffered.slice(start);
  }
  handleLine(buffered + decoder.decode());
}
