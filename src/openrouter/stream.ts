import type { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import type { ChatRequest, ChatStreamChunk } from '@openrouter/sdk/models';
import { withCallContext } from './client.js';

export type ChatMessage = ChatRequest['messages'][number];

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** In US dollars, as OpenRouter reports it. */
  cost: number | undefined;
}

/** Why a stream ended before the model finished. The partial text is kept either way. */
export type Interruption =
  | { kind: 'upstream-error'; code: number | string | undefined; message: string }
  | { kind: 'idle'; afterMs: number }
  | { kind: 'dropped'; message: string }
  | { kind: 'aborted'; reason: string };

export interface StreamOutcome {
  text: string;
  images: string[];
  usage: Usage | undefined;
  finishReason: string | undefined;
  /** The model that answered (OpenRouter may route an alias). */
  model: string | undefined;
  generationId: string | undefined;
  /** Milliseconds from the request to the first text or image. */
  firstTokenMs: number | undefined;
  interruption: Interruption | undefined;
}

export interface StreamRequest {
  model: string;
  messages: ChatMessage[];
  maxCompletionTokens?: number;
  modalities?: ('text' | 'image')[];
}

export interface StreamHandlers {
  onText(delta: string): void;
  onImage?(dataUrl: string): void;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Abort when the stream sends nothing (not even a keepalive reaches us) for this long. */
  idleTimeoutMs: number;
  now?: () => number;
}

/** Raised when the request fails before any of the answer arrived (HTTP error, refused, …). */
export class RequestFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('OpenRouter request failed', { cause });
  }
}

/**
 * Streams one chat completion. Errors before the stream starts throw `RequestFailed`; anything
 * that goes wrong after it started ends the stream with an `interruption`, keeping what arrived.
 */
export async function streamChat(
  client: OpenRouter,
  request: StreamRequest,
  handlers: StreamHandlers,
  { signal, idleTimeoutMs, now = () => performance.now() }: StreamOptions,
): Promise<StreamOutcome> {
  const started = now();
  const controller = new AbortController();
  let interruption: Interruption | undefined;
  const abort = (why: Interruption) => {
    interruption ??= why;
    controller.abort();
  };
  const onOuterAbort = () => abort({ kind: 'aborted', reason: String(signal?.reason ?? 'stopped') });
  if (signal?.aborted) onOuterAbort();
  signal?.addEventListener('abort', onOuterAbort, { once: true });

  // One timer for the whole stream: each chunk only notes the time, and the timer re-arms itself
  // for what is left, so a fast stream costs no timer churn per token.
  let lastActivity = now();
  let idle: NodeJS.Timeout | undefined;
  const onIdleTimer = () => {
    const quietFor = now() - lastActivity;
    if (quietFor >= idleTimeoutMs) abort({ kind: 'idle', afterMs: idleTimeoutMs });
    else idle = setTimeout(onIdleTimer, idleTimeoutMs - quietFor);
  };
  const armIdle = () => {
    lastActivity = now();
    idle ??= setTimeout(onIdleTimer, idleTimeoutMs);
  };

  const outcome: StreamOutcome = {
    text: '',
    images: [],
    usage: undefined,
    finishReason: undefined,
    model: undefined,
    generationId: undefined,
    firstTokenMs: undefined,
    interruption: undefined,
  };
  const firstToken = () => (outcome.firstTokenMs ??= now() - started);
  const onImage = (dataUrl: string) => {
    firstToken();
    armIdle();
    outcome.images.push(dataUrl);
    handlers.onImage?.(dataUrl);
  };

  armIdle();
  try {
    let stream: EventStream<ChatStreamChunk>;
    try {
      // Reading images means teeing and scanning the whole SSE body: only when images were asked for.
      const wantsImages = request.modalities?.includes('image') ?? false;
      const result = await withCallContext({ signal: controller.signal, ...(wantsImages ? { onImage } : {}) }, () =>
        client.chat.send(
          { chatRequest: { ...request, stream: true } },
          { signal: controller.signal, retryCodes: ['408', '429', '5XX'] },
        ),
      );
      if (!(result instanceof EventStream)) throw new Error('OpenRouter answered a streaming request without a stream');
      stream = result;
    } catch (error) {
      if (interruption) return { ...outcome, interruption };
      throw new RequestFailed(error);
    }

    const iterator = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const { value: chunk, done } = await iterator.next();
        if (done) break;
        armIdle();
        outcome.generationId ??= chunk.id;
        outcome.model ??= chunk.model;
        if (chunk.usage) {
          outcome.usage = {
            promptTokens: chunk.usage.promptTokens,
            completionTokens: chunk.usage.completionTokens,
            totalTokens: chunk.usage.totalTokens,
            cost: chunk.usage.cost ?? undefined,
          };
        }
        const choice = chunk.choices[0];
        const delta = choice?.delta.content;
        if (delta) {
          firstToken();
          outcome.text += delta;
          handlers.onText(delta);
        }
        if (choice?.finishReason) outcome.finishReason = choice.finishReason;
        if (chunk.error) {
          interruption ??= { kind: 'upstream-error', code: chunk.error.code, message: chunk.error.message };
          break;
        }
      }
    } catch (error) {
      interruption ??= describeStreamFailure(error);
    } finally {
      // Closing the reader closes the socket even if the abort signal was lost inside the SDK.
      await iterator.return?.().catch(() => undefined);
    }
  } finally {
    clearTimeout(idle);
    signal?.removeEventListener('abort', onOuterAbort);
  }
  return { ...outcome, interruption };
}

function describeStreamFailure(error: unknown): Interruption {
  if (error instanceof Error && error.name === 'ZodError') {
    // The SDK rejects chunks it cannot validate, e.g. an error chunk whose `code` is a string.
    return { kind: 'upstream-error', code: undefined, message: 'the provider sent a malformed error' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'dropped', message };
}
