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
  }));
}
