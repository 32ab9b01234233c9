import type { OpenRouter } from '@openrouter/sdk';
import type { Logger } from '../logger.js';
import { Catalogue } from './catalogue.js';

/** What one request field of the Image API accepts (OpenRouter's capability descriptors). */
export type Capability =
  | { type: 'enum'; values: string[] }
  | { type: 'range'; min: number; max: number }
  | { type: 'boolean' }
  /** A descriptor type this bot doesn't know yet: supported, with limits it can't check. */
  | { type: 'other' };

export interface ImageModelInfo {
  id: string;
  name: string;
  input: string[];
  /** Request fields the model takes (`n`, `seed`, `resolution`, …); an absent field is unsupported. */
  parameters: Record<string, Capability>;
  /** Some endpoint streams partial images (`stream: true`). */
  streams: boolean;
}

/** OpenRouter's Image API models (`GET /images/models`): the image-only models chat can't serve well. */
export class ImageModelCatalog extends Catalogue<ImageModelInfo> {
  constructor(client: OpenRouter, logger: Logger, now?: () => number) {
    super(() => fetchImageModels(client), logger, 'the OpenRouter image model list', now);
  }
}

async function fetchImageModels(client: OpenRouter): Promise<ImageModelInfo[]> {
  const { data } = await client.images.listModels();
  return data.map((m) => ({
    id: m.id,
    name: m.name,
    input: [...m.architecture.inputModalities],
    parameters: Object.fromEntries(Object.entries(m.supportedParameters).map(([field, d]) => [field, capabilityOf(d)])),
    streams: m.supportsStreaming,
  }));
}

/** The SDK hands unknown descriptor types over as `{ type: 'UNKNOWN', raw }`. */
function capabilityOf(d: { type: string; values?: string[]; min?: number; max?: number }): Capability {
  if (d.type === 'enum' && d.values) return { type: 'enum', values: [...d.values] };
  if (d.type === 'range' && d.min !== undefined && d.max !== undefined) return { type: 'range', min: d.min, max: d.max };
  if (d.type === 'boolean') return { type: 'boolean' };
  return { type: 'other' };
}
