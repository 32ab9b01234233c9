import type { OpenRouter } from '@openrouter/sdk';
import type { ChatRequest } from '@openrouter/sdk/models';
import { callAndRead, CallGuard, type Interruption } from './call.js';
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
  /** Abort when the stream sends nothing (not even a keepalive reaches us) for this long. */
  idleTimeoutMs: number;
  now?: () => number;
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
  const guard = new CallGuard(signal, idleTimeoutMs, now);
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
  const interruption = await callAndRead(
    guard,
    (headers) => client.chat.send({ chatRequest: { ...request, stream: true } }, { signal: guard.signal, retryCodes: ['408', '429', '5XX'], headers }),
    async ({ body }) => {
      let upstreamError: Interruption | undefined;
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
            if (!image.image_url?.url) continue;
            firstToken();
            outcome.images.push(image.image_url.url);
            handlers.onImage?.(image.image_url.url);
          }
          if (choice?.finish_reason) outcome.finishReason = choice.finish_reason;
          if (chunk.error) {
            upstreamError = { kind: 'upstream-error', code: chunk.error.code, message: chunk.error.message ?? 'unknown error' };
            return 'stop';
          }
        },
        guard.alive,
      );
      return upstreamError;
    },
  );
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
