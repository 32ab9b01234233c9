import type { OpenRouter } from '@openrouter/sdk';
import type { Logger } from '../logger.js';

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

const REFRESH_MS = 10 * 60_000;

/**
 * OpenRouter's model list, fetched lazily and refreshed every few minutes. When OpenRouter cannot
 * be reached the last good list is kept; with none, callers get an empty list and fall back to
 * not knowing (the request itself then tells whether the model exists).
 */
export class ModelCatalog {
  private models: ModelInfo[] = [];
  private fetchedAt = -Infinity;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly client: OpenRouter,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<ModelInfo[]> {
    if (this.now() - this.fetchedAt > REFRESH_MS) {
      this.pending ??= this.refresh().finally(() => (this.pending = undefined));
      await this.pending;
    }
    return this.models;
  }

  async get(id: string): Promise<ModelInfo | undefined> {
    return (await this.list()).find((m) => m.id === id);
  }

  /** Up to `limit` models matching what the user typed, best matches first. */
  async search(query: string, { limit = 25, output }: { limit?: number; output?: string } = {}): Promise<ModelInfo[]> {
    const q = query.trim().toLowerCase();
    const candidates = (await this.list()).filter((m) => !output || m.output.includes(output));
    if (!q) return candidates.slice(0, limit);
    const score = (m: ModelInfo) => {
      const id = m.id.toLowerCase();
      const name = m.name.toLowerCase();
      if (id === q) return 0;
      if (id.startsWith(q) || id.split('/')[1]?.startsWith(q)) return 1;
      if (id.includes(q)) return 2;
      if (name.includes(q)) return 3;
      return Infinity;
    };
    return candidates
      .map((m) => ({ m, s: score(m) }))
      .filter((x) => x.s !== Infinity)
      .sort((a, b) => a.s - b.s || a.m.id.localeCompare(b.m.id))
      .slice(0, limit)
      .map((x) => x.m);
  }

  private async refresh(): Promise<void> {
    try {
      const page = await this.client.models.list({ outputModalities: 'all' });
      this.models = page.result.data.map((m) => ({
        id: m.id,
        name: m.name,
        contextLength: m.contextLength ?? undefined,
        maxCompletionTokens: m.topProvider.maxCompletionTokens ?? undefined,
        input: [...m.architecture.inputModalities],
        output: [...m.architecture.outputModalities],
        supportedParameters: [...m.supportedParameters],
        pricing: pricingOf(m.pricing),
      }));
      this.fetchedAt = this.now();
    } catch (err) {
      // Try again on the next call, but not in a tight loop while OpenRouter is down.
      this.fetchedAt = this.now() - REFRESH_MS + 30_000;
      this.logger.warn({ err }, 'could not fetch the OpenRouter model list');
    }
  }
}
