import type { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import type { ChatRequest } from '@openrouter/sdk/models';
import { withCallContext } from './client.js';
import { readSseData } from './sse.js';

export type ChatMessage = ChatRequest['messages'][number];

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** In US dollars, as OpenRouter reports it. */
  cost: number | undefined;
  /** Part of the completion tokens the model spent thinking, when it reports them. */
  reasoningTokens?: number | undefined;
}

/** Why a stream ended before the model finished. The partial text is kept either way. */
export type Interruption =
  | { kind: 'upstream-error'; code: number | string | undefined; message: string }
  | { kind: 'idle'; afterMs: number }
  | { kind: 'dropped'; message: string }
  | { kind: 'aborted'; reason: string };

export interface StreamOutcome {
  text: string;
  /** The readable reasoning that streamed (text and summaries; encrypted reasoning has none). */
  reasoning: string;
  /** How long the model thought before its answer began, when it reasoned at all. */
  thinkingMs: number | undefined;
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

/** Any chat request the SDK takes; `stream` is always set here. */
export type StreamRequest = Omit<ChatRequest, 'stream'> & { model: string };

export interface StreamHandlers {
  onText(delta: string): void;
  /**
   * Readable reasoning as it arrives, before (and sometimes between) the answer's text; '' when
   * the model is reasoning but shows nothing of it (encrypted).
   */
  onReasoning?(delta: string): void;
  onImage?(dataUrl: string): void;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /**
   * Abort when the stream sends nothing (not even a keepalive reaches us) for this long, or an
   * attempt of the request goes unanswered for this long. Waits between retries don't count.
   */
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
  // Between retries the SDK is waiting, not the model: that time is bounded by the retry budget.
  const pauseIdle = () => {
    clearTimeout(idle);
    idle = undefined;
  };

  const outcome: StreamOutcome = {
    text: '',
    reasoning: '',
    thinkingMs: undefined,
    images: [],
    usage: undefined,
    finishReason: undefined,
    model: undefined,
    generationId: undefined,
    firstTokenMs: undefined,
    interruption: undefined,
  };
  const firstToken = () => (outcome.firstTokenMs ??= now() - started);
  let lastReasoningMs: number | undefined;
  const onImage = (dataUrl: string) => {
    firstToken();
    armIdle();
    outcome.images.push(dataUrl);
    handlers.onImage?.(dataUrl);
  };

  try {
    let body: ReadableStream<Uint8Array> | undefined;
    try {
      const attempt = { sent: armIdle, answered: pauseIdle };
      const result = await withCallContext({ signal: controller.signal, takeStream: (b) => (body = b), attempt }, (headers) =>
        client.chat.send(
          { chatRequest: { ...request, stream: true } },
          { signal: controller.signal, retryCodes: ['408', '429', '5XX'], headers },
        ),
      );
      if (!(result instanceof EventStream) || !body) throw new Error('OpenRouter answered a streaming request without a stream');
    } catch (error) {
      // A body taken before the failure would otherwise hold its connection open.
      await body?.cancel().catch(() => undefined);
      if (interruption) return { ...outcome, interruption };
      throw new RequestFailed(error);
    }

    armIdle();
    try {
      await readSseData(
        body,
        (data) => {
          const chunk = JSON.parse(data) as WireChunk;
          outcome.generationId ??= chunk.id;
          outcome.model ??= chunk.model;
          if (chunk.usage) outcome.usage = usageOf(chunk.usage);
          const choice = chunk.choices?.[0];
          const reasoning = readableReasoning(choice?.delta);
          if (reasoning !== undefined) {
            lastReasoningMs = now() - started;
            outcome.reasoning += reasoning;
            handlers.onReasoning?.(reasoning);
          }
          const delta = choice?.delta?.content;
          if (delta) {
            firstToken();
            outcome.text += delta;
            handlers.onText(delta);
          }
          for (const image of choice?.delta?.images ?? []) {
            if (image.image_url?.url) onImage(image.image_url.url);
          }
          if (choice?.finish_reason) outcome.finishReason = choice.finish_reason;
          if (chunk.error) {
            interruption ??= { kind: 'upstream-error', code: chunk.error.code, message: chunk.error.message ?? 'unknown error' };
            return 'stop';
          }
        },
        armIdle,
      );
    } catch (error) {
      interruption ??= describeStreamFailure(error);
    }
  } finally {
    clearTimeout(idle);
    signal?.removeEventListener('abort', onOuterAbort);
  }
  const reasoned = lastReasoningMs !== undefined || (outcome.usage?.reasoningTokens ?? 0) > 0;
  // Thinking lasts until the answer's first token, or (no answer) until the last reasoning.
  if (reasoned) outcome.thinkingMs = outcome.firstTokenMs ?? lastReasoningMs ?? now() - started;
  return { ...outcome, interruption };
}

/**
 * The readable part of a delta's reasoning: '' when it reasoned but shows nothing (encrypted),
 * undefined when the delta carries no reasoning. OpenRouter sends the same text twice, as
 * `reasoning` and as `reasoning_details`; the details win when they hold anything readable.
 */
function readableReasoning(delta: WireDelta | undefined): string | undefined {
  const details = delta?.reasoning_details;
  if (details?.length) {
    const readable = details
      .map((d) => (d.type === 'reasoning.text' ? d.text : d.type === 'reasoning.summary' ? d.summary : undefined) ?? '')
      .join('');
    return readable || delta?.reasoning || '';
  }
  return delta?.reasoning || undefined;
}

function describeStreamFailure(error: unknown): Interruption {
  if (error instanceof SyntaxError) return { kind: 'upstream-error', code: undefined, message: 'the provider sent a malformed chunk' };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'dropped', message };
}

interface WireDelta {
  content?: string | null;
  reasoning?: string | null;
  reasoning_details?: { type?: string; text?: string | null; summary?: string | null }[];
  images?: { image_url?: { url?: string } }[];
}

/** A streamed chunk as OpenRouter sends it (snake_case, OpenAI-compatible). */
interface WireChunk {
  id?: string;
  model?: string;
  choices?: { delta?: WireDelta; finish_reason?: string | null }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    total_tokens?: number;
    cost?: number | null;
    completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  };
  error?: { code?: number | string; message?: string };
}

function usageOf(usage: NonNullable<WireChunk['usage']>): Usage {
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens ?? undefined;
  return {
    promptTokens,
    completionTokens,
    totalTokens: usage.total_tokens ?? promptTokens + completionTokens,
    cost: usage.cost ?? undefined,
    ...(reasoningTokens ? { reasoningTokens } : {}),
  };
}
