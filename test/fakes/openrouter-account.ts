/**
 * The fake OpenRouter's account side: what each request cost, and the key's own limit.
 *
 * - `GET /api/v1/key`: `{ data: { limit, limit_remaining, limit_reset, usage, usage_daily, … } }`
 *   in the full shape `@openrouter/sdk` 1.3.19 validates (`getCurrentKeyMetadata`). Every chat
 *   request's and finished Image API generation's cost counts against the limit; once
 *   `limit_remaining` is 0 or less, both answer 402, as OpenRouter's limits page says a spent key does.
 * - `GET /api/v1/generation?id=`: the generation's record (`total_cost`, `tokens_prompt`,
 *   `native_tokens_completion`, `cancelled`, `streamed`, `external_user` = the request's `user`, …)
 *   in the shape the SDK validates (`generations.getGeneration`). OpenRouter records a generation
 *   a moment after it ends: the first `generationLag` look-ups of each answer 404. Image API
 *   generations are recorded too (`api_type: 'image'`), though their answers carry no id.
 *
 * Costs are recorded whether or not the stream carried usage (`usage: null` in a reply): the bill
 * is what OpenRouter knows, not what it told the client.
 */
import type { RecordedRequest, WireUsage } from './openrouter.js';

/** What a request was billed for: a chat completion's usage, or an image generation's. */
export type BilledUsage = Pick<WireUsage, 'prompt_tokens' | 'completion_tokens' | 'cost'> & { completion_tokens_details?: unknown };

export interface GenerationRecord {
  id: string;
  apiType: 'completions' | 'image';
  model: string;
  provider: string;
  createdAt: number;
  cost: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  streamed: boolean;
  cancelled: boolean;
  finishReason: string | null;
  /** The request's `user`. */
  user: string | null;
  referer: string | null;
}

type Writer = { json(status: number, body: unknown, headers?: Record<string, string>): void };

export class FakeAccount {
  /** The key's credit limit in US dollars; null: no limit. */
  limit: number | null = null;
  /** How the limit resets (`daily`, `weekly`, `monthly`), or null: never. */
  limitReset: 'daily' | 'weekly' | 'monthly' | null = null;
  /** All-time usage of the key. */
  usage = 0;
  /** Usage counted against the limit (since its last reset). */
  private periodUsage = 0;
  /** When set, `GET /key` answers this status (OpenRouter unreachable). */
  keyStatus: number | undefined;
  /** Look-ups of each generation that answer 404 before it is found; Infinity: never found. */
  generationLag = 0;
  readonly generations = new Map<string, GenerationRecord>();
  private readonly lookups = new Map<string, number>();

  /** What is left of the limit; null without one. Negative once a request overshot it. */
  get remaining(): number | null {
    return this.limit === null ? null : this.limit - this.periodUsage;
  }

  /** True when requests are refused for the key's limit. */
  spent(): boolean {
    const left = this.remaining;
    return left !== null && left <= 0;
  }

  /** Answers 402 when the key's limit is spent, as OpenRouter does; true when it did. */
  refusedSpent(out: Writer): boolean {
    if (!this.spent()) return false;
    out.json(402, { error: { code: 402, message: 'Key limit exceeded: this key has used its credit limit.' }, user_id: 'user_fake' });
    return true;
  }

  /** The limit starts again (what OpenRouter does at midnight UTC for daily, weekly and monthly limits). */
  resetLimit(): void {
    this.periodUsage = 0;
  }

  /** Bills a finished request: a chat completion (stopped ones too), or a finished image generation. */
  charge(request: RecordedRequest, a: { id: string; model: string; provider: string; usage: BilledUsage; finishReason: string | null; apiType?: GenerationRecord['apiType'] }): void {
    const cancelled = request.response.state === 'aborted';
    const reasoning = Number((a.usage.completion_tokens_details as { reasoning_tokens?: number } | null | undefined)?.reasoning_tokens ?? 0);
    this.generations.set(a.id, {
      id: a.id,
      apiType: a.apiType ?? 'completions',
      model: a.model,
      provider: a.provider,
      createdAt: request.at,
      cost: a.usage.cost,
      promptTokens: a.usage.prompt_tokens,
      completionTokens: a.usage.completion_tokens,
      reasoningTokens: reasoning,
      streamed: request.body?.stream === true,
      cancelled,
      finishReason: cancelled ? null : a.finishReason,
      user: typeof request.body?.user === 'string' ? request.body.user : null,
      referer: request.headers['http-referer'] ?? null,
    });
    this.usage += a.usage.cost;
    this.periodUsage += a.usage.cost;
  }

  /** Answers `GET /key` and `GET /generation` (`path` without `/api/v1`). */
  handle(record: RecordedRequest, path: string, out: Writer): void {
    if (record.method !== 'GET') {
      out.json(404, { error: { code: 404, message: 'Not Found' } });
    } else if (path === '/key') {
      if (this.keyStatus) out.json(this.keyStatus, { error: { code: this.keyStatus, message: 'Unavailable' } });
      else out.json(200, { data: this.keyData(record) });
    } else {
      const id = record.query.id ?? '';
      const seen = (this.lookups.get(id) ?? 0) + 1;
      this.lookups.set(id, seen);
      const generation = this.generations.get(id);
      if (!generation || seen <= this.generationLag) {
        out.json(404, { error: { code: 404, message: `Generation ${id} not found` }, user_id: 'user_fake' });
      } else {
        out.json(200, { data: generationData(generation) });
      }
    }
  }

  private keyData(record: RecordedRequest): Record<string, unknown> {
    const key = /^Bearer\s+(\S+)/i.exec(record.headers.authorization ?? '')?.[1] ?? '';
    return {
      allowed_data_regions: ['global'],
      byok_usage: 0,
      byok_usage_daily: 0,
      byok_usage_monthly: 0,
      byok_usage_weekly: 0,
      creator_user_id: 'user_fake',
      free_model_daily_requests: { limit: 1000, remaining: 1000, used: 0 },
      include_byok_in_limit: false,
      is_free_tier: false,
      is_management_key: false,
      is_provisioning_key: false,
      // OpenRouter shows the key shortened, never whole.
      label: `${key.slice(0, 11)}...${key.slice(-3)}`,
      limit: this.limit,
      limit_remaining: this.remaining,
      limit_reset: this.limit === null ? null : this.limitReset,
      organization_id: null,
      rate_limit: { interval: '10s', note: 'This field is deprecated and safe to ignore.', requests: 200 },
      usage: this.usage,
      usage_daily: this.usage,
      usage_monthly: this.usage,
      usage_weekly: this.usage,
      workspace_id: null,
    };
  }
}

function generationData(g: GenerationRecord): Record<string, unknown> {
  return {
    api_type: g.apiType,
    app_id: null,
    cache_discount: null,
    cancelled: g.cancelled,
    created_at: new Date(g.createdAt).toISOString(),
    data_region: 'global',
    external_user: g.user,
    finish_reason: g.finishReason,
    generation_time: 1200,
    http_referer: g.referer,
    id: g.id,
    is_byok: false,
    latency: 300,
    model: g.model,
    moderation_latency: null,
    native_finish_reason: g.finishReason,
    native_tokens_cached: 0,
    native_tokens_completion: g.completionTokens,
    native_tokens_completion_images: 0,
    native_tokens_prompt: g.promptTokens,
    native_tokens_reasoning: g.reasoningTokens,
    num_fetches: 0,
    num_input_audio_prompt: 0,
    num_media_completion: 0,
    num_media_prompt: 0,
    num_search_results: 0,
    origin: g.referer ?? '',
    preset_id: null,
    provider_name: g.provider,
    provider_responses: null,
    router: null,
    service_tier: null,
    streamed: g.streamed,
    tokens_completion: g.completionTokens,
    tokens_prompt: g.promptTokens,
    total_cost: g.cost,
    upstream_id: `chatcmpl-${g.id.slice(4)}`,
    upstream_inference_cost: null,
    usage: g.cost,
    user_agent: null,
    web_search_engine: null,
    workspace_id: null,
  };
}
