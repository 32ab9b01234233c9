/**
 * A faithful fake of the OpenRouter HTTP API for end-to-end tests.
 *
 * - `POST /api/v1/chat/completions`: OpenAI-compatible, SSE streaming (`stream: true`) or one JSON
 *   body, with OpenRouter's chunk shapes (`: OPENROUTER PROCESSING` comment, `delta.images`, usage
 *   with `cost` and `cost_details`, mid-stream error chunks with `finish_reason: 'error'`).
 * - `GET /api/v1/models`: the model list in the full shape `@openrouter/sdk` validates, filtered
 *   by `output_modalities` (default `text`, comma list = any of, `all`), `input_modalities`,
 *   `supported_parameters`, paged by `offset` / `limit`.
 * - `GET /api/v1/key`, `GET /api/v1/generation?id=` and what each request costs: see
 *   `openrouter-account.ts` (`account`); a key whose limit is spent gets 402 on chat and image requests.
 * - Errors: `{ error: { code, message, metadata? }, user_id }` with the HTTP status = code.
 *
 * Every request is recorded (`requests`), with what was written back (`requests[i].response`).
 * Pacing is by event order: a `{ gate }` step waits for `gate.open()`, and `waitFor()` re-checks
 * its predicate on every request / frame / close, so tests never sleep.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { RecordedHttp } from './recorded.js';
import { FakeAccount } from './openrouter-account.js';
import { FakeImageApi } from './openrouter-images.js';
import { waitUntil } from './wait-until.js';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface StreamErrorSpec {
  code: number | string;
  message: string;
  /**
   * Sent verbatim. When the key is absent, a realistic default is sent
   * (`{ error_type, provider_name }`); `null` sends no metadata at all. Note the SDK rejects
   * (throws a ZodError mid-stream) a metadata object without a valid `error_type`.
   */
  metadata?: Record<string, unknown> | null;
}

export type Step =
  | { content: string }
  /**
   * Readable reasoning: `reasoning.text` details (Anthropic, Gemini, …) or `reasoning.summary`
   * (OpenAI). OpenRouter usually sends it twice, as `delta.reasoning` and as a detail (`via`
   * `both`, the default); `reasoning` sends only the plain field (no `reasoning_details`, as from
   * providers without structured reasoning), `details` only the detail (`reasoning: null`, as
   * alongside encrypted details).
   */
  | { reasoning: string; as?: 'text' | 'summary'; via?: 'both' | 'reasoning' | 'details' }
  /** Reasoning the provider only hands over encrypted (`reasoning.encrypted`): nothing to show. */
  | { encryptedReasoning: string }
  | { images: string[] }
  | { comment: string }
  /** Written verbatim as one frame (e.g. a broken `data:` line). */
  | { raw: string }
  | { error: StreamErrorSpec }
  | ControlStep;

/** Pacing and failure steps every scripted response (chat or image) understands. */
export type ControlStep =
  | { gate: Gate }
  | { delayMs: number }
  /** Waits until this many ms after the response's headers went out: pacing without timer drift. */
  | { atMs: number }
  | { drop: true }
  | { stall: true };

/** Usage as on the wire; any field given overrides the computed default. */
export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  is_byok: boolean;
  prompt_tokens_details: Record<string, unknown> | null;
  completion_tokens_details: Record<string, unknown> | null;
  cost_details: Record<string, unknown> | null;
  [k: string]: unknown;
}

export interface Reply {
  /** Non-200: an error response before any stream; body `{ error: { code, message, metadata } }`. */
  status?: number;
  error?: { message: string; metadata?: Record<string, unknown> };
  /** Extra response headers (e.g. `Retry-After`), for error and success responses alike. */
  headers?: Record<string, string>;
  /** Default: `text('ok')`. For `stream: false` content / reasoning / images are folded into one body. */
  steps?: Step[];
  /** Merged over the computed usage; `null` sends no usage at all. */
  usage?: Partial<WireUsage> | null;
  /** Default 'stop'. */
  finishReason?: string;
  /** Defaults to the requested model. */
  model?: string;
  /** Default: derived from the model id ('OpenAI', 'Google AI Studio', ...). */
  provider?: string;
  /**
   * Streaming only. false (default): the last data chunk carries both `finish_reason` and
   * `usage`. true: the finish chunk comes first and `usage` follows in its own chunk with
   * `finish_reason: null` (OpenAI's `include_usage` layout) — the bot must cope with both.
   */
  splitUsage?: boolean;
  /** Streaming only: send the leading `: OPENROUTER PROCESSING` comment (default true). */
  processingComment?: boolean;
}

export type ReplySource = Reply | ((body: any) => Reply);

export interface ModelSpec {
  id: string;
  name?: string;
  description?: string;
  canonical_slug?: string;
  created?: number;
  input_modalities?: string[];
  output_modalities?: string[];
  context_length?: number | null;
  max_completion_tokens?: number | null;
  /** USD per token as decimal strings, as on the wire. */
  pricing?: { prompt?: string; completion?: string; request?: string; image?: string; [k: string]: unknown };
  supported_parameters?: string[];
  tokenizer?: string;
  /** Spread over the expanded wire object last (to test odd shapes). */
  overrides?: Record<string, unknown>;
}

export type ResponseState = 'pending' | 'open' | 'done' | 'aborted' | 'dropped';

export interface ResponseRecord {
  status: number | undefined;
  stream: boolean;
  /** Raw text written, one entry per SSE frame (`': X\n\n'`, `'data: {...}\n\n'`) or JSON body. */
  frames: string[];
  /** performance.now() when each frame was written (same order as `frames`). */
  frameAt: number[];
  /** performance.now() when the headers went out. */
  startedAt?: number;
  /** pending: no headers yet; open: being written; done: ended normally; aborted: client went away; dropped: `{drop}`. */
  state: ResponseState;
  /** A gate this response is waiting at right now. */
  waitingAt: Gate | undefined;
}

/** `path` is e.g. '/api/v1/chat/completions'. */
export interface RecordedRequest extends RecordedHttp {
  /** Parsed JSON (snake_case as on the wire); the raw text when not JSON; undefined when empty. */
  body: any;
  response: ResponseRecord;
}

// ---------------------------------------------------------------------------------------------
// Gate and helpers
// ---------------------------------------------------------------------------------------------

export class Gate {
  readonly opened: Promise<void>;
  /** Resolves the first time a response arrives at this gate (i.e. everything before it was written). */
  readonly reached: Promise<void>;
  isOpen = false;
  /** Responses currently held by this gate. */
  waiting = 0;
  private resolveOpened!: () => void;
  private resolveReached!: () => void;

  constructor(readonly name = 'gate') {
    this.opened = new Promise((r) => (this.resolveOpened = r));
    this.reached = new Promise((r) => (this.resolveReached = r));
  }

  open(): void {
    this.isOpen = true;
    this.resolveOpened();
  }

  /** @internal */
  markReached(): void {
    this.resolveReached();
  }
}

/**
 * Split a string into content steps. With `chunkSize`, fixed-size pieces (by code point);
 * without, token-like pieces: each word with its leading whitespace ('Hello', ' world').
 */
export function text(s: string, opts?: { chunkSize?: number }): Step[] {
  if (s === '') return [];
  const size = opts?.chunkSize;
  if (size !== undefined) {
    if (!(size >= 1)) throw new Error('chunkSize must be >= 1');
    const cps = Array.from(s);
    const out: Step[] = [];
    for (let i = 0; i < cps.length; i += size) out.push({ content: cps.slice(i, i + size).join('') });
    return out;
  }
  const pieces = s.match(/\s*\S+|\s+$/g) ?? [s];
  return pieces.map((content) => ({ content }));
}

/** A tiny valid 1x1 PNG as a data: URL, for image replies. */
export const PNG_1X1 =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export const DEFAULT_ERROR_MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'User not found.',
  402: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits',
  403: 'Your input was flagged for moderation.',
  404: 'No endpoints found for this model.',
  408: 'Request timed out',
  413: 'Request payload too large',
  422: 'Unprocessable entity',
  429: 'Rate limit exceeded: too many requests.',
  500: 'Internal Server Error',
  502: 'Provider returned error',
  503: 'No available providers for the selected model.',
  524: 'Provider timed out',
  529: 'Provider is overloaded',
};

/** OpenRouter's canonical `error_type` for a status code (ApiErrorType in the SDK). */
export function errorTypeFor(code: number | string): string {
  switch (code) {
    case 400: return 'invalid_request';
    case 401: return 'authentication';
    case 402: return 'payment_required';
    case 403: return 'content_policy_violation';
    case 404: return 'not_found';
    case 408: return 'timeout';
    case 413: return 'payload_too_large';
    case 422: return 'unprocessable';
    case 429: return 'rate_limit_exceeded';
    case 502: return 'provider_unavailable';
    case 503: return 'provider_unavailable';
    case 524: return 'timeout';
    case 529: return 'provider_overloaded';
    default: return 'server';
  }
}

/** The token limit OpenRouter checks the balance against: the request's, else the model's own. */
function requestedMaxTokens(body: any): number {
  return Number(body?.max_completion_tokens ?? body?.max_tokens ?? 16_384);
}

/** Ready-made error replies shaped like OpenRouter's. */
export const replies = {
  noCredits(message = DEFAULT_ERROR_MESSAGES[402]!): Reply {
    return {
      status: 402,
      error: {
        message,
        metadata: { limit_source: 'openrouter_credits', remedy_hint: 'Add credits at https://openrouter.ai/settings/credits, or lower max_tokens / prompt size to fit your remaining balance.' },
      },
    };
  },
  /**
   * A balance (or, with `limitedBy: 'key'`, a key's remaining limit) that pays for fewer completion
   * tokens than the request allows: OpenRouter refuses it before any provider sees it.
   */
  cannotAfford(affordable: number, limitedBy: 'credits' | 'key' = 'credits'): ReplySource {
    const remedy = limitedBy === 'key' ? 'https://openrouter.ai/settings/keys and create a key with a higher monthly limit' : 'https://openrouter.ai/settings/credits and add more credits';
    return (body) => ({
      status: 402,
      error: {
        message: `This request requires more credits, or fewer max_tokens. You requested up to ${requestedMaxTokens(body)} tokens, but can only afford ${affordable}. To increase, visit ${remedy}`,
        metadata: { provider_name: null },
      },
    });
  },
  /** The key's own spending cap is used up (`total`, or the `daily` / `weekly` / `monthly` one). */
  keyLimit(period: 'total' | 'daily' | 'weekly' | 'monthly' = 'total'): Reply {
    return { status: 403, error: { message: `Key limit exceeded (${period} limit). Manage it using https://openrouter.ai/settings/keys` } };
  },
  /** Too many paid requests in flight for the balance: transient, with Retry-After. */
  inFlightBudget(retryAfterSeconds = 5): Reply {
    return {
      status: 402,
      headers: { 'Retry-After': String(retryAfterSeconds) },
      error: {
        message: 'This request would exceed your available credits given your current in-flight requests. Retry after in-flight requests settle, or add credits.',
        metadata: {
          reason: 'in_flight_budget_exhausted',
          limit_source: 'openrouter_in_flight_budget',
          remedy_hint: 'Retry after your in-flight requests settle (see the Retry-After header). Adding credits at https://openrouter.ai/settings/credits raises your in-flight budget, up to a capped ceiling.',
        },
      },
    };
  },
  /** A guardrail configured on the key blocked the request before any provider saw it. */
  guardrail(): Reply {
    return { status: 403, error: { message: 'Request blocked: prompt injection patterns detected', metadata: { patterns: ['ignore all previous instructions'] } } };
  },
  moderation(reasons: string[] = ['harassment'], flaggedInput = 'flagged text'): Reply {
    return {
      status: 403,
      error: {
        message: `Your input was flagged for "${reasons.join(', ')}".`,
        metadata: { reasons, flagged_input: flaggedInput.slice(0, 100), provider_name: 'OpenAI', model_slug: 'openai' },
      },
    };
  },
  rateLimited(retryAfterSeconds = 1): Reply {
    return {
      status: 429,
      headers: { 'Retry-After': String(retryAfterSeconds) },
      error: {
        message: 'Rate limit exceeded: too many requests.',
        metadata: { provider_name: null, raw: 'Rate limit exceeded' },
      },
    };
  },
  providerError(status = 502, message = 'Provider returned error'): Reply {
    return { status, error: { message, metadata: { provider_name: 'OpenAI', raw: 'upstream error' } } };
  },
  /** A streamed image answer: optional caption text, then one chunk with `delta.images`. */
  image(urls: string[] = [PNG_1X1], caption = ''): Reply {
    return { steps: [...text(caption), { images: urls }] };
  },
};

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

const COMMON_PARAMS = [
  'frequency_penalty', 'include_reasoning', 'logit_bias', 'logprobs', 'max_tokens', 'presence_penalty',
  'reasoning', 'response_format', 'seed', 'stop', 'structured_outputs', 'temperature', 'top_logprobs', 'top_p',
];

export const DEFAULT_MODELS: ModelSpec[] = [
  {
    id: 'openai/gpt-5-image-mini',
    name: 'OpenAI: GPT-5 Image Mini',
    canonical_slug: 'openai/gpt-5-image-mini',
    input_modalities: ['file', 'image', 'text'],
    output_modalities: ['image', 'text'],
    context_length: 400000,
    max_completion_tokens: 128000,
    pricing: { prompt: '0.0000025', completion: '0.000002' },
  },
  {
    id: 'openai/gpt-5-image',
    name: 'OpenAI: GPT-5 Image',
    canonical_slug: 'openai/gpt-5-image',
    input_modalities: ['image', 'text', 'file'],
    output_modalities: ['image', 'text'],
    context_length: 400000,
    max_completion_tokens: 128000,
    pricing: { prompt: '0.00001', completion: '0.00001' },
  },
  {
    id: 'openai/gpt-5.4-image-2',
    name: 'OpenAI: GPT-5.4 Image 2',
    canonical_slug: 'openai/gpt-5.4-image-2',
    input_modalities: ['image', 'text', 'file'],
    output_modalities: ['image', 'text'],
    context_length: 272000,
    max_completion_tokens: 128000,
    pricing: { prompt: '0.000008', completion: '0.000015' },
    supported_parameters: COMMON_PARAMS.filter((p) => p !== 'temperature' && p !== 'top_p'),
  },
  {
    id: 'google/gemini-3-pro-image-preview',
    name: 'Google: Nano Banana Pro (Gemini 3 Pro Image Preview)',
    canonical_slug: 'google/gemini-3-pro-image-preview-20251120',
    input_modalities: ['image', 'text'],
    output_modalities: ['image', 'text'],
    context_length: 65536,
    max_completion_tokens: 32768,
    pricing: { prompt: '0.000002', completion: '0.000012' },
    tokenizer: 'Gemini',
    supported_parameters: ['include_reasoning', 'max_tokens', 'reasoning', 'response_format', 'seed', 'stop',
      'structured_outputs', 'temperature', 'top_p'],
  },
  {
    id: 'openai/gpt-5',
    name: 'OpenAI: GPT-5',
    canonical_slug: 'openai/gpt-5-2025-08-07',
    input_modalities: ['text', 'image', 'file'],
    output_modalities: ['text'],
    context_length: 400000,
    max_completion_tokens: 128000,
    pricing: { prompt: '0.00000125', completion: '0.00001' },
    supported_parameters: ['include_reasoning', 'max_tokens', 'reasoning', 'response_format', 'seed',
      'structured_outputs', 'tool_choice', 'tools'],
  },
];

/** Expand a ModelSpec to the full object `GET /models` returns (every field the SDK requires). */
export function expandModel(spec: ModelSpec): Record<string, unknown> {
  const input = spec.input_modalities ?? ['text'];
  const output = spec.output_modalities ?? ['text'];
  const context = spec.context_length === undefined ? 128000 : spec.context_length;
  const name = spec.name ?? spec.id;
  return {
    id: spec.id,
    canonical_slug: spec.canonical_slug ?? spec.id,
    hugging_face_id: '',
    name,
    created: spec.created ?? 1760000000,
    description: spec.description ?? `${name} (fake OpenRouter model).`,
    context_length: context,
    architecture: {
      modality: `${[...input].sort().join('+')}->${[...output].sort().join('+')}`,
      input_modalities: input,
      output_modalities: output,
      tokenizer: spec.tokenizer ?? (spec.id.startsWith('google/') ? 'Gemini' : 'GPT'),
      instruct_type: null,
    },
    pricing: {
      prompt: '0.000001',
      completion: '0.000002',
      request: '0',
      image: '0',
      web_search: '0.01',
      internal_reasoning: '0',
      input_cache_read: '0',
      ...spec.pricing,
    },
    top_provider: {
      context_length: context,
      max_completion_tokens: spec.max_completion_tokens === undefined ? 16384 : spec.max_completion_tokens,
      is_moderated: spec.id.startsWith('openai/'),
    },
    per_request_limits: null,
    supported_parameters: spec.supported_parameters ?? COMMON_PARAMS,
    default_parameters: { temperature: null, top_p: null, frequency_penalty: null },
    supported_voices: null,
    knowledge_cutoff: null,
    expiration_date: null,
    links: { details: `/api/v1/models/${spec.id}/endpoints` },
    ...spec.overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

const API = '/api/v1';

function providerFor(model: string): string {
  const org = model.split('/')[0] ?? '';
  switch (org) {
    case 'openai': return 'OpenAI';
    case 'google': return 'Google AI Studio';
    case 'anthropic': return 'Anthropic';
    default: return org ? org[0]!.toUpperCase() + org.slice(1) : 'Unknown';
  }
}

/** @internal A new generation's id, in OpenRouter's form. */
export function generationId(): string {
  return `gen-${Math.floor(Date.now() / 1000)}-${randomBytes(10).toString('base64url')}`;
}

/** A rough prompt token count: ~4 characters a token over all text in the messages. */
function estimatePromptTokens(body: any): number {
  let chars = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') chars += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') chars += o.text.length;
      if (o.image_url) chars += 1000; // an image costs tokens, its data: URL is not text
      if (typeof o.content === 'string' || Array.isArray(o.content)) walk(o.content);
    }
  };
  walk(Array.isArray(body?.messages) ? body.messages : []);
  return Math.max(1, Math.ceil(chars / 4));
}

export function sse(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export class FakeOpenRouter {
  readonly requests: RecordedRequest[] = [];
  models: ModelSpec[];
  /** When set, only this key is accepted; any other Bearer token → 401 'User not found.'. */
  apiKey: string | undefined;
  /** When set, `GET /models` answers this status (the model list is unreachable). */
  modelsStatus: number | undefined;
  /** What requests cost, `/key` with the key's limit, and `/generation`. */
  readonly account = new FakeAccount();
  /** The Image API (`/images`, `/images/models`): its own models, replies and records. */
  readonly images: FakeImageApi;

  private server: http.Server;
  private port = 0;
  private queue: ReplySource[] = [];
  private defaultReply: ReplySource = { steps: [{ content: 'ok' }] };
  private events = new EventEmitter();
  private handlers = new Set<Promise<void>>();
  private sockets = new Set<Socket>();
  private stopped = false;

  private constructor(opts: { models?: ModelSpec[]; apiKey?: string }) {
    this.models = (opts.models ?? DEFAULT_MODELS).map((m) => structuredClone(m));
    this.apiKey = opts.apiKey;
    this.images = new FakeImageApi(this);
    this.events.setMaxListeners(0);
    this.server = http.createServer((req, res) => {
      const p = this.handle(req, res).catch((err: unknown) => {
        // A bug in the fake must be loud, not a hung test.
        // eslint-disable-next-line no-console
        console.error('[FakeOpenRouter] handler error', err);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 500, message: `fake error: ${String(err)}` } }));
        } else res.destroy();
      });
      this.handlers.add(p);
      void p.finally(() => this.handlers.delete(p));
    });
    this.server.on('connection', (s: Socket) => {
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: { models?: ModelSpec[]; apiKey?: string } = {}): Promise<FakeOpenRouter> {
    const fake = new FakeOpenRouter(opts);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      // A deep accept queue, as in the fake Discord: hundreds of streams connect at once.
      fake.server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}${API}`;
  }

  /** Bodies of chat completion requests, in arrival order (including rejected ones). */
  chatRequests(): any[] {
    return this.chatRecords().map((r) => r.body);
  }

  /** Full records of chat completion requests. */
  chatRecords(): RecordedRequest[] {
    return this.requests.filter((r) => this.isChat(r));
  }

  isChat(r: RecordedRequest): boolean {
    return r.method === 'POST' && r.path === `${API}/chat/completions`;
  }

  /** Queue the answer for the next chat request that passes validation (FIFO). */
  reply(r: ReplySource): void {
    this.queue.push(r);
  }

  /** Replies still queued. */
  pendingReplies(): number {
    return this.queue.length;
  }

  setDefault(r: ReplySource): void {
    this.defaultReply = r;
  }

  /** SSE responses currently being written (headers sent, not ended, socket not closed). */
  streamsOpen(): number {
    return this.requests.filter((r) => r.response.stream && r.response.state === 'open').length;
  }

  /** Chat requests not finished yet (streaming or not). */
  inFlight(): number {
    return this.chatRecords().filter((r) => r.response.state === 'pending' || r.response.state === 'open').length;
  }

  /**
   * Resolve with the predicate's first truthy result; re-checked on every request, frame written,
   * gate reached and response closed. Rejects after `timeoutMs` (default 5000) naming `what`.
   */
  waitFor<T>(
    predicate: () => T | undefined | null | false,
    opts: { timeoutMs?: number; what?: string } = {},
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return waitUntil(predicate, {
      timeoutMs,
      subscribe: (check) => {
        this.events.on('progress', check);
        return () => this.events.off('progress', check);
      },
      describe: () => `FakeOpenRouter.waitFor timed out after ${timeoutMs}ms: ${opts.what ?? 'condition'}`,
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
    await Promise.allSettled([...this.handlers]);
  }

  // -------------------------------------------------------------------------------------------

  /** @internal Wakes every `waitFor` (the Image API module calls it too). */
  progress(): void {
    this.events.emit('progress');
  }

  /** @internal An error response in OpenRouter's shape: `{ error: { code, message, metadata? }, user_id }`. */
  errorResponse(out: ResponseWriter, status: number, reply: Pick<Reply, 'error' | 'headers'>): void {
    const error: Record<string, unknown> = {
      code: status,
      message: reply.error?.message ?? DEFAULT_ERROR_MESSAGES[status] ?? `Error ${status}`,
    };
    if (reply.error?.metadata) error.metadata = reply.error.metadata;
    out.json(status, { error, user_id: 'user_fake' }, reply.headers ?? {});
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    let body: any = undefined;
    let bodyIsJson = false;
    if (raw.length) {
      try {
        body = JSON.parse(raw);
        bodyIsJson = true;
      } catch {
        body = raw;
      }
    }
    const record: RecordedRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      response: { status: undefined, stream: false, frames: [], frameAt: [], state: 'pending', waitingAt: undefined },
    };
    this.requests.push(record);

    const out = new ResponseWriter(res, record, () => this.progress());
    this.progress();

    if (record.method === 'GET' && url.pathname === `${API}/models`) {
      if (this.modelsStatus) return out.json(this.modelsStatus, { error: { code: this.modelsStatus, message: DEFAULT_ERROR_MESSAGES[this.modelsStatus] ?? 'Unavailable' } });
      return this.handleModels(url, out);
    }
    if (record.method === 'POST' && url.pathname === `${API}/chat/completions`) {
      return this.handleChat(body, bodyIsJson, headers, out);
    }
    if (url.pathname === `${API}/key` || url.pathname === `${API}/generation`) {
      if (this.authenticate(headers, out) !== undefined) this.account.handle(record, url.pathname.slice(API.length), out);
      return;
    }
    if (url.pathname === `${API}/images` || url.pathname.startsWith(`${API}/images/`)) {
      return this.images.handle(record, url.pathname.slice(API.length), bodyIsJson, out);
    }
    out.json(404, { error: { code: 404, message: 'Not Found' } });
  }

  private handleModels(url: URL, out: ResponseWriter): void {
    const csv = (k: string): string[] | undefined => {
      const v = url.searchParams.get(k);
      return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    };
    const outputs = csv('output_modalities') ?? ['text'];
    const inputs = csv('input_modalities');
    const params = csv('supported_parameters');
    const matched = this.models.filter((m) => {
      const mo = m.output_modalities ?? ['text'];
      const mi = m.input_modalities ?? ['text'];
      if (!outputs.includes('all') && !outputs.some((o) => mo.includes(o))) return false;
      if (inputs && !inputs.some((i) => mi.includes(i))) return false;
      if (params && !params.every((p) => (m.supported_parameters ?? COMMON_PARAMS).includes(p))) return false;
      return true;
    });
    const offset = Number(url.searchParams.get('offset') ?? 0) || 0;
    const limitParam = url.searchParams.get('limit');
    const limit = limitParam ? Math.min(1000, Number(limitParam) || 0) : matched.length;
    const page = matched.slice(offset, offset + limit);
    const nextOffset = offset + page.length;
    const next = nextOffset < matched.length ? `${API}/models?offset=${nextOffset}&limit=${limit}` : null;
    out.json(200, { data: page.map(expandModel), links: { next }, total_count: matched.length });
  }

  /** @internal The caller's key, or undefined after answering 401 as OpenRouter does (it checks the key first). */
  authenticate(headers: Record<string, string>, out: ResponseWriter): string | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
    const refusal = !m ? 'No auth credentials found' : this.apiKey !== undefined && m[1] !== this.apiKey ? 'User not found.' : undefined;
    if (refusal) {
      out.json(401, { error: { message: refusal, code: 401 } });
      return undefined;
    }
    return m![1]!;
  }

  private async handleChat(
    body: any,
    bodyIsJson: boolean,
    headers: Record<string, string>,
    out: ResponseWriter,
  ): Promise<void> {
    // --- authentication, as OpenRouter checks it first
    if (this.authenticate(headers, out) === undefined) return;
    // --- cheap request validation
    const bad = (message: string): void =>
      out.json(400, { error: { message, code: 400 }, user_id: 'user_fake' });
    if (!bodyIsJson || !body || typeof body !== 'object' || Array.isArray(body)) {
      return bad('Invalid JSON body');
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return bad('Input required: specify "prompt" or "messages"');
    }
    const requested: unknown = body.model ?? (Array.isArray(body.models) ? body.models[0] : undefined);
    if (typeof requested !== 'string' || !requested) return bad('No model specified');
    if (!this.models.some((x) => x.id === requested)) return bad(`${requested} is not a valid model ID`);
    if (this.account.refusedSpent(out)) return;

    // --- the scripted answer
    const source = this.queue.shift() ?? this.defaultReply;
    const reply = typeof source === 'function' ? source(body) : source;
    const model = reply.model ?? requested;
    const provider = reply.provider ?? providerFor(model);
    const status = reply.status ?? (reply.error ? 500 : 200);
    const extraHeaders = reply.headers ?? {};

    if (status !== 200) return this.errorResponse(out, status, reply);

    const steps = reply.steps ?? [{ content: 'ok' }];
    const id = generationId();
    const created = Math.floor(Date.now() / 1000);
    const finishReason = reply.finishReason ?? 'stop';
    // Billed whether or not the answer tells the client (`usage: null`).
    const billed = this.computeUsage(body, model, steps, reply.usage ?? undefined);
    const usage = reply.usage === null ? undefined : billed;

    if (body.stream === true) {
      await this.stream({ out, steps, id, created, model, provider, finishReason, usage, reply, extraHeaders });
    } else {
      await this.nonStream({ out, steps, id, created, model, provider, finishReason, usage, extraHeaders });
    }
    this.account.charge(out.record, { id, model, provider, usage: billed, finishReason });
  }

  private computeUsage(body: any, model: string, steps: Step[], over: Partial<WireUsage> | undefined): WireUsage {
    const spec = this.models.find((x) => x.id === model);
    const pPrompt = Number(spec?.pricing?.prompt ?? '0.000001');
    const pCompletion = Number(spec?.pricing?.completion ?? '0.000002');
    const contentSteps = steps.filter((s) => 'content' in s).length;
    const reasoningSteps = steps.filter((s) => 'reasoning' in s || 'encryptedReasoning' in s).length;
    const prompt = over?.prompt_tokens ?? estimatePromptTokens(body);
    const completion = over?.completion_tokens ?? contentSteps + reasoningSteps;
    const promptCost = prompt * pPrompt;
    const completionCost = completion * pCompletion;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      cost: promptCost + completionCost,
      is_byok: false,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, audio_tokens: 0, video_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: reasoningSteps, image_tokens: 0, audio_tokens: 0 },
      cost_details: {
        upstream_inference_cost: null,
        upstream_inference_prompt_cost: promptCost,
        upstream_inference_completions_cost: completionCost,
      },
      ...over,
    };
  }

  private async stream(a: {
    out: ResponseWriter; steps: Step[]; id: string; created: number; model: string; provider: string;
    finishReason: string; usage: WireUsage | undefined; reply: Reply; extraHeaders: Record<string, string>;
  }): Promise<void> {
    const { out, id, created, model, provider } = a;
    const base = { id, provider, model, object: 'chat.completion.chunk', created };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> => ({
      ...base,
      choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }],
    });

    out.head(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-generation-id': id,
      ...a.extraHeaders,
    }, true);
    if (a.reply.processingComment !== false) {
      if (!(await out.frame(': OPENROUTER PROCESSING\n\n'))) return;
    }
    for (const step of a.steps) {
      if (out.closed) return;
      if ('content' in step) {
        if (!(await out.frame(sse(chunk({ role: 'assistant', content: step.content }))))) return;
      } else if ('reasoning' in step) {
        const detail = step.as === 'summary'
          ? { type: 'reasoning.summary', summary: step.reasoning, format: 'openai-responses-v1', index: 0 }
          : { type: 'reasoning.text', text: step.reasoning, format: 'unknown', index: 0 };
        const via = step.via ?? 'both';
        const delta = {
          role: 'assistant',
          content: '',
          reasoning: via === 'details' ? null : step.reasoning,
          ...(via === 'reasoning' ? {} : { reasoning_details: [detail] }),
        };
        if (!(await out.frame(sse(chunk(delta))))) return;
      } else if ('encryptedReasoning' in step) {
        const delta = {
          role: 'assistant',
          content: '',
          reasoning: null,
          reasoning_details: [{ type: 'reasoning.encrypted', data: step.encryptedReasoning, format: 'openai-responses-v1', index: 0 }],
        };
        if (!(await out.frame(sse(chunk(delta))))) return;
      } else if ('images' in step) {
        const images = step.images.map((url) => ({ type: 'image_url', image_url: { url } }));
        if (!(await out.frame(sse(chunk({ role: 'assistant', content: '', images }))))) return;
      } else if ('comment' in step) {
        if (!(await out.frame(`: ${step.comment}\n\n`))) return;
      } else if ('raw' in step) {
        if (!(await out.frame(step.raw))) return;
      } else if ('error' in step) {
        const e = step.error;
        const error: Record<string, unknown> = { code: e.code, message: e.message };
        if (e.metadata === undefined) error.metadata = { error_type: errorTypeFor(e.code), provider_name: provider };
        else if (e.metadata !== null) error.metadata = e.metadata;
        const data = {
          ...base,
          error,
          choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error', native_finish_reason: 'error' }],
        };
        await out.frame(sse(data));
        // OpenRouter ends the stream after a mid-stream error: no usage, no [DONE].
        out.end();
        return;
      } else if (!(await this.control(step, out))) {
        return;
      }
    }
    if (out.closed) return;
    if (a.reply.splitUsage) {
      if (!(await out.frame(sse(chunk({ role: 'assistant', content: '' }, a.finishReason))))) return;
      if (a.usage && !(await out.frame(sse({ ...chunk({ role: 'assistant', content: '' }), usage: a.usage })))) return;
    } else {
      const last = chunk({ role: 'assistant', content: '' }, a.finishReason);
      if (a.usage) last.usage = a.usage;
      if (!(await out.frame(sse(last)))) return;
    }
    if (!(await out.frame(sse('[DONE]')))) return;
    out.end();
  }

  private async nonStream(a: {
    out: ResponseWriter; steps: Step[]; id: string; created: number; model: string; provider: string;
    finishReason: string; usage: WireUsage | undefined; extraHeaders: Record<string, string>;
  }): Promise<void> {
    const { out } = a;
    let content = '';
    let reasoning = '';
    const images: string[] = [];
    for (const step of a.steps) {
      if (out.closed) return;
      if ('content' in step) content += step.content;
      else if ('reasoning' in step) reasoning += step.reasoning;
      else if ('images' in step) images.push(...step.images);
      else if ('comment' in step || 'raw' in step || 'encryptedReasoning' in step) continue;
      else if ('error' in step) {
        const code = typeof step.error.code === 'number' ? step.error.code : 502;
        const error: Record<string, unknown> = { code, message: step.error.message };
        if (step.error.metadata) error.metadata = step.error.metadata;
        out.json(code, { error, user_id: 'user_fake' }, a.extraHeaders);
        return;
      } else if (!(await this.control(step, out))) return;
    }
    const message: Record<string, unknown> = {
      role: 'assistant',
      content,
      refusal: null,
      reasoning: reasoning || null,
    };
    if (images.length) message.images = images.map((url) => ({ type: 'image_url', image_url: { url } }));
    const bodyOut: Record<string, unknown> = {
      id: a.id,
      provider: a.provider,
      model: a.model,
      object: 'chat.completion',
      created: a.created,
      choices: [{
        logprobs: null,
        finish_reason: a.finishReason,
        native_finish_reason: a.finishReason,
        index: 0,
        message,
      }],
      system_fingerprint: null,
    };
    if (a.usage) bodyOut.usage = a.usage;
    out.json(200, bodyOut, { 'x-generation-id': a.id, ...a.extraHeaders });
  }

  /** @internal gate / delayMs / drop / stall. Returns false when the response is finished (closed or dropped). */
  async control(step: ControlStep, out: ResponseWriter): Promise<boolean> {
    if ('gate' in step) {
      const gate = step.gate;
      if (!gate.isOpen) {
        gate.waiting++;
        out.record.response.waitingAt = gate;
        gate.markReached();
        this.progress();
        await Promise.race([gate.opened, out.closedPromise]);
        gate.waiting--;
        out.record.response.waitingAt = undefined;
        this.progress();
      } else {
        gate.markReached();
      }
      return !out.closed;
    }
    if ('delayMs' in step || 'atMs' in step) {
      const ms = 'delayMs' in step ? step.delayMs : (out.record.response.startedAt ?? performance.now()) + step.atMs - performance.now();
      let t: NodeJS.Timeout | undefined;
      if (ms > 0) await Promise.race([new Promise((r) => (t = setTimeout(r, ms))), out.closedPromise]);
      if (t) clearTimeout(t);
      return !out.closed;
    }
    if ('drop' in step) {
      await out.drop();
      return false;
    }
    if ('stall' in step) {
      await out.closedPromise;
      return false;
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------

export class ResponseWriter {
  closed = false;
  readonly closedPromise: Promise<void>;
  /** Resolves when the last frame written has been handed to the kernel. */
  private flushed: Promise<void> = Promise.resolve();

  constructor(
    private res: http.ServerResponse,
    readonly record: RecordedRequest,
    private progress: () => void,
  ) {
    let resolve!: () => void;
    this.closedPromise = new Promise((r) => (resolve = r));
    res.on('close', () => {
      this.closed = true;
      const r = this.record.response;
      if (r.state === 'pending' || r.state === 'open') r.state = res.writableFinished ? 'done' : 'aborted';
      resolve();
      this.progress();
    });
  }

  head(status: number, headers: Record<string, string>, stream: boolean): void {
    this.record.response.status = status;
    this.record.response.stream = stream;
    this.record.response.state = 'open';
    this.record.response.startedAt = performance.now();
    this.res.writeHead(status, headers);
    this.res.flushHeaders();
    this.progress();
  }

  /** Write one frame; resolves false when the client is gone. Honours backpressure. */
  async frame(s: string): Promise<boolean> {
    if (this.closed) return false;
    let ok = true;
    this.record.response.frames.push(s);
    this.record.response.frameAt.push(performance.now());
    this.flushed = new Promise<void>((resolve) => {
      ok = this.res.write(s, () => resolve());
    });
    this.progress();
    if (!ok) {
      await Promise.race([new Promise((r) => this.res.once('drain', r)), this.closedPromise]);
    }
    return !this.closed;
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (this.closed) return;
    const text = JSON.stringify(body);
    this.record.response.status = status;
    this.record.response.stream = false;
    this.record.response.state = 'open';
    this.record.response.frames.push(text);
    this.record.response.frameAt.push(performance.now());
    this.res.writeHead(status, { 'content-type': 'application/json', ...headers });
    this.end(text);
  }

  end(s?: string): void {
    if (this.closed) return;
    this.record.response.state = 'done';
    this.res.end(s);
    this.progress();
  }

  /**
   * Destroy the socket abruptly, after what was written so far has reached the kernel. (The client
   * may still lose bytes it has received but not yet read: undici errors the body stream, which
   * discards its queue. Put a gate before `{drop}` to make a test deterministic.)
   */
  async drop(): Promise<void> {
    const socket = this.res.socket;
    if (!this.closed) await Promise.race([this.flushed, this.closedPromise]);
    this.record.response.state = 'dropped';
    socket?.destroy();
    this.progress();
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
