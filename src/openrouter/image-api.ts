import type { OpenRouter } from '@openrouter/sdk';
import type { ImageGenerationRequestAspectRatio } from '@openrouter/sdk/models';
import type { ImageApiFields } from '../imagine/options.js';
import { callAndRead, CallGuard, type Interruption } from './call.js';
import { readSseData } from './sse.js';
import type { Usage } from './stream.js';

export interface ImageApiRequest extends ImageApiFields {
  model: string;
  prompt: string;
  /** Images to start from, as data URLs (`input_references`). */
  inputReferences?: string[];
  /** Ask for partial images (only where the model's endpoints stream). */
  stream: boolean;
  /** The asker, hashed (see user-tag.ts): OpenRouter attributes abuse to them, not to the whole key. */
  user?: string;
}

export interface GeneratedImage {
  bytes: Buffer;
  /** As OpenRouter labels it; absent for PNG. The bytes decide, not the label. */
  mediaType: string | undefined;
  /** A seed the provider reports for this image. Not in OpenRouter's documented shape (the SDK would drop it), kept when it comes. */
  seed: number | undefined;
}

export interface ImageApiOutcome {
  images: GeneratedImage[];
  /** The request's tokens and cost (US dollars), as OpenRouter reported them. */
  usage: Usage | undefined;
  /** Partial images that arrived. */
  partials: number;
  /** Milliseconds from the request to the first event with an image in it. */
  firstImageMs: number | undefined;
  interruption: Interruption | undefined;
}

export interface ImageApiOptions {
  signal?: AbortSignal;
  /** Give up when nothing at all (no preview, no keepalive, no answer) arrives for this long. */
  idleTimeoutMs: number;
  now?: () => number;
}

/**
 * 502 is a generation that failed (and was not billed): making it again would make the person
 * wait as long again without asking them. The rest are the transient failures chat retries too.
 */
const RETRY_CODES = ['408', '429', '500', '503', '524', '529'];

interface WireImage {
  b64_json?: string;
  media_type?: string;
  seed?: unknown;
}

interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  cost?: number | null;
}

/** A streamed event, snake_case as OpenRouter sends it. */
interface WireEvent extends WireImage {
  type?: string;
  usage?: WireUsage;
  error?: { message?: string; code?: string | number | null };
}

/** A buffered answer. */
interface WireResponse {
  data?: WireImage[];
  usage?: WireUsage;
}

function usageOf(wire: WireUsage | undefined): Usage | undefined {
  if (!wire) return undefined;
  const promptTokens = wire.prompt_tokens ?? 0;
  const completionTokens = wire.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: wire.total_tokens ?? promptTokens + completionTokens, cost: wire.cost ?? undefined };
}

function imageOf(wire: WireImage): GeneratedImage | undefined {
  if (!wire.b64_json) return undefined;
  return { bytes: Buffer.from(wire.b64_json, 'base64'), mediaType: wire.media_type, seed: typeof wire.seed === 'number' ? wire.seed : undefined };
}

/**
 * One Image API generation (`POST /images`). The bot reads the answer itself, streamed or
 * buffered: the SDK's schemas keep only a few fields, and reject a whole answer whose usage lacks
 * a token count. Errors before the answer throw `RequestFailed`; after it started (an `error`
 * event, a stall, Stop, a dropped connection) the call ends with an `interruption`, and closing
 * the connection cancels the generation (the Image API bills only finished generations).
 */
export async function generateImages(
  client: OpenRouter,
  request: ImageApiRequest,
  handlers: { onPartial?(bytes: Buffer): void },
  { signal, idleTimeoutMs, now = () => performance.now() }: ImageApiOptions,
): Promise<ImageApiOutcome> {
  const started = now();
  const guard = new CallGuard(signal, idleTimeoutMs, now);
  const outcome: ImageApiOutcome = { images: [], usage: undefined, partials: 0, firstImageMs: undefined, interruption: undefined };
  const { inputReferences, aspectRatio, ...fields } = request;
  const seen = () => (outcome.firstImageMs ??= now() - started);
  const interruption = await callAndRead(
    guard,
    (headers) =>
      client.images.generate(
        {
          imageGenerationRequest: {
            ...fields,
            // Open enums: any string passes the SDK; OpenRouter checks the value.
            ...(aspectRatio ? { aspectRatio: aspectRatio as ImageGenerationRequestAspectRatio } : {}),
            ...(inputReferences?.length ? { inputReferences: inputReferences.map((url) => ({ type: 'image_url' as const, imageUrl: { url } })) } : {}),
          },
        },
        { signal: guard.signal, retryCodes: RETRY_CODES, headers },
      ),
    async ({ body, format }) => {
      if (format === 'json') {
        const answer = JSON.parse(await readText(body, guard.alive)) as WireResponse;
        outcome.images = (answer.data ?? []).flatMap((d) => imageOf(d) ?? []);
        if (outcome.images.length) seen();
        outcome.usage = usageOf(answer.usage);
        return undefined;
      }
      let upstreamError: Interruption | undefined;
      await readSseData(
        body,
        (data) => {
          const event = JSON.parse(data) as WireEvent;
          if (event.type === 'image_generation.partial_image' && event.b64_json) {
            seen();
            outcome.partials++;
            handlers.onPartial?.(Buffer.from(event.b64_json, 'base64'));
          } else if (event.type === 'image_generation.completed') {
            const image = imageOf(event);
            if (image) outcome.images.push(image);
            seen();
            // The request's usage, on the completed event (the last one when there are several).
            outcome.usage = usageOf(event.usage) ?? outcome.usage;
          } else if (event.type === 'error') {
            upstreamError = { kind: 'upstream-error', code: event.error?.code ?? undefined, message: event.error?.message ?? 'unknown error' };
            return 'stop';
          }
        },
        guard.alive,
      );
      return upstreamError;
    },
    { json: true },
  );
  return { ...outcome, interruption };
}

/** The whole body as text, noting each piece as a sign of life. */
async function readText(body: ReadableStream<Uint8Array>, onBytes: () => void): Promise<string> {
  const parts: Uint8Array[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      onBytes();
      parts.push(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).toString('utf8');
}
