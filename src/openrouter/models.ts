import type { OpenRouter } from '@openrouter/sdk';
import type { Logger } from '../logger.js';
import { Catalogue, rankModels } from './catalogue.js';

export interface ModelInfo {
  id: string;
  name: string;
  contextLength: number | undefined;
  maxCompletionTokens: number | undefined;
  input: string[];
  output: string[];
  /** Request parameters the model takes (`temperature`, `reasoning`, …). */
  supportedParameters: string[];
  /** US dollars; undefined when OpenRouter doesn't say (a router whose price depends on the model it picks). */
  pricing: Pricing | undefined;
}

export interface Pricing {
  /** Per prompt token. */
  prompt: number;
  /** Per completion token, at the dearest rate one can be billed at (text, reasoning or image output). */
  completion: number;
  /** Per request. */
  request: number;
  /** Per input image. */
  image: number;
}

type WirePricing = { prompt: string; completion: string; request?: string | undefined; image?: string | undefined; imageOutput?: string | undefined; internalReasoning?: string | undefined };

/** OpenRouter's decimal strings as numbers; "-1" (variable) or garbage: unknown. */
export function pricingOf(wire: WirePricing): Pricing | undefined {
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  const values = [n(wire.prompt), n(wire.completion), n(wire.request), n(wire.image), n(wire.imageOutput), n(wire.internalReasoning)];
  if (values.some((v) => !Number.isFinite(v) || v < 0)) return undefined;
  const [prompt, completion, request, image, imageOutput, reasoning] = values as [number, number, number, number, number, number];
  return { prompt, completion: Math.max(completion, imageOutput, reasoning), request, image };
}

/** OpenRouter's chat model list (`GET /models`, every output modality), for autocomplete and capabilities. */
export class ModelCatalog extends Catalogue<ModelInfo> {
  constructor(client: OpenRouter, logger: Logger, now?: () => number) {
    super(() => fetchModels(client), logger, 'the OpenRouter model list', now);
  }

  /** Up to `limit` models matching what the user typed, best matches first. */
  async search(query: string, { limit = 25, output }: { limit?: number; output?: string } = {}): Promise<ModelInfo[]> {
    const candidates = (await this.list()).filter((m) => !output || m.output.includes(output));
    return rankModels(candidates, query, limit);
  }
}

async function fetchModels(client: OpenRouter): Promise<ModelInfo[]> {
  const page = await client.models.list({ outputModalities: 'all' });
  return page.result.data.map((m) => ({
    id: m.id,
    name: m.name,
    contextLength: m.contextLength ?? undefined,
    maxCompletionTokens: m.topProvider.maxCompletionTokens ?? undefined,
    input: [...m.architecture.inputModalities],
    output: [...m.architecture.outputModalities],
    supportedParameters: [...m.supportedParameters],
    pricing: pricingOf(m.pricing),
  }));
}
