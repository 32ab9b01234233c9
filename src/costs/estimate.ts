import { classify, type IncomingAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import type { ImagePrice } from '../openrouter/image-pricing.js';
import type { ModelInfo, Pricing } from '../openrouter/models.js';
import { chatParameters } from '../settings/chat-parameters.js';
import { valuesOf, type EffectiveSettings } from '../settings/resolve.js';
import { estimateTokens } from '../conversation/turns.js';
import { IMAGE_TOKENS_ESTIMATE, RECENT_IMAGE_INPUTS } from '../conversation/messages.js';

/** The most a request can be billed for, in tokens and images. */
export interface RequestBound {
  promptTokens: number;
  completionTokens: number;
  /** Input images (attached, and the conversation's recent ones). */
  images: number;
}

export interface BoundInput {
  prompt: string;
  systemPrompt: string;
  /** Declared sizes in bytes, and whether each is an image. */
  attachments: readonly { size: number; image: boolean }[];
  /** The operator's cap on history sent (HISTORY_MAX_TOKENS). */
  historyMaxTokens: number;
  /** What the request asks for at most (`max_completion_tokens`). */
  maxCompletionTokens: number;
}

/**
 * What a chat request can cost at most, counted the way the bot counts what it sends: history is
 * trimmed to HISTORY_MAX_TOKENS, a file is at most a token per 4 bytes, an image is counted as
 * IMAGE_TOKENS_ESTIMATE, and the answer stops at `max_completion_tokens` (reasoning included).
 */
export function requestBound(input: BoundInput): RequestBound {
  const images = input.attachments.filter((a) => a.image).length + RECENT_IMAGE_INPUTS;
  const files = input.attachments.filter((a) => !a.image).reduce((n, a) => n + Math.ceil(a.size / 4), 0);
  return {
    promptTokens: input.historyMaxTokens + estimateTokens(input.systemPrompt) + estimateTokens(input.prompt) + files + images * IMAGE_TOKENS_ESTIMATE,
    completionTokens: input.maxCompletionTokens,
    images,
  };
}

/** US dollars for that many tokens and images at the model's prices. */
export function costAt(pricing: Pricing, tokens: { promptTokens: number; completionTokens: number; images?: number }): number {
  return pricing.request + pricing.prompt * tokens.promptTokens + pricing.completion * tokens.completionTokens + pricing.image * (tokens.images ?? 0);
}

/**
 * The most a chat request can cost at the model's prices (US dollars), or undefined when the
 * price is unknown (the model list unreachable, or a router priced per the model it picks).
 */
export function worstCost(config: Config, model: ModelInfo | undefined, input: { prompt: string; attachments: readonly IncomingAttachment[]; settings: EffectiveSettings }): number | undefined {
  if (!model?.pricing) return undefined;
  const values = valuesOf(input.settings);
  const asked = chatParameters(values, model.supportedParameters, config.maxAnswerTokens).parameters.maxCompletionTokens;
  const bound = requestBound({
    prompt: input.prompt,
    systemPrompt: values.system_prompt ?? config.systemPrompt,
    attachments: input.attachments.map((a) => ({ size: a.size, image: classify(a) === 'image' })),
    historyMaxTokens: config.historyMaxTokens,
    maxCompletionTokens: Math.min(asked, model.maxCompletionTokens ?? asked),
  });
  return costAt(model.pricing, bound);
}

/** Megapixels of the largest image a resolution tier can mean (its long side, squared). */
const MEGAPIXELS: Record<string, number> = { '512': 0.262_144, '1K': 1.048_576, '2K': 4.194_304, '4K': 16.777_216 };

export interface ImageBound {
  /** Images asked for. */
  count: number;
  /** The size tier asked for; unset: the providers' default (1K). */
  resolution?: string | undefined;
  /** Images sent to start from. */
  references: number;
  promptTokens: number;
}

/**
 * The most an Image API request can cost (US dollars) on its dearest endpoint, or undefined when
 * a price is in a unit this bot can't bound (or there are none).
 */
export function imageWorstCost(endpoints: readonly { prices: readonly ImagePrice[] }[], bound: ImageBound): number | undefined {
  const megapixels = MEGAPIXELS[bound.resolution ?? '1K'] ?? MEGAPIXELS['4K']!;
  const per = (p: ImagePrice): number | undefined => {
    const output = p.billable === 'output_image';
    const input = p.billable === 'input_image' || p.billable === 'input_reference';
    if (p.unit === 'request') return p.costUsd;
    if (p.unit === 'image') return output ? p.costUsd * bound.count : input ? p.costUsd * bound.references : 0;
    if (p.unit === 'megapixel') return output ? p.costUsd * megapixels * bound.count : input ? p.costUsd * MEGAPIXELS['4K']! * bound.references : 0;
    if (p.unit === 'token') return p.costUsd * bound.promptTokens;
    return undefined;
  };
  let worst: number | undefined;
  for (const endpoint of endpoints) {
    // Variants of one billable (sizes, qualities) are alternatives: the dearest counts.
    const dearest = new Map<string, number>();
    for (const price of endpoint.prices) {
      const cost = per(price);
      if (cost === undefined) return undefined;
      dearest.set(`${price.billable}/${price.unit}`, Math.max(dearest.get(`${price.billable}/${price.unit}`) ?? 0, cost));
    }
    if (dearest.size) worst = Math.max(worst ?? 0, [...dearest.values()].reduce((a, b) => a + b, 0));
  }
  return worst;
}
