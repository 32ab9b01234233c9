import type { OpenRouter } from '@openrouter/sdk';
import type { Logger } from '../logger.js';
import { Catalogue } from './catalogue.js';

/** One line of an Image API endpoint's price list, as OpenRouter gives it. */
export interface ImagePrice {
  billable: string;
  unit: string;
  costUsd: number;
  variant?: string | undefined;
}

/** One provider's endpoint for a model, with its prices. */
export interface PricedEndpoint {
  id: string;
  name: string;
  prices: ImagePrice[];
}

/**
 * What each Image API model costs, per provider endpoint (`GET /images/models/{id}/endpoints`;
 * the model list itself carries no prices). Fetched when a model is first asked for, kept and
 * refreshed like the model lists.
 */
export class ImagePricing {
  private readonly byModel = new Map<string, Catalogue<PricedEndpoint>>();

  constructor(
    private readonly client: OpenRouter,
    private readonly logger: Logger,
    private readonly now?: () => number,
  ) {}

  /** The model's endpoints with their prices; empty when OpenRouter can't say. */
  endpoints(modelId: string): Promise<PricedEndpoint[]> {
    let catalogue = this.byModel.get(modelId);
    if (!catalogue) {
      catalogue = new Catalogue(() => this.fetch(modelId), this.logger, `the prices of ${modelId}`, this.now);
      this.byModel.set(modelId, catalogue);
    }
    return catalogue.list();
  }

  private async fetch(modelId: string): Promise<PricedEndpoint[]> {
    const [author, ...rest] = modelId.split('/');
    // A person is waiting: this read may not hold up their request behind long retries.
    const { endpoints } = await this.client.images.listModelEndpoints({ author: author!, slug: rest.join('/') }, { retries: { strategy: 'none' } });
    return endpoints.map((e) => ({ id: e.providerSlug, name: e.providerName, prices: e.pricing.map((p) => ({ billable: p.billable, unit: p.unit, costUsd: p.costUsd, variant: p.variant })) }));
  }
}
