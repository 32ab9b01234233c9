/**
 * The fake OpenRouter's Image API, as documented in OpenRouter's image-generation guide and typed
 * by `@openrouter/sdk` 1.3.19:
 *
 * - `GET /images/models`: `data[]` with `architecture`, `supported_parameters` (typed capability
 *   descriptors: enum / range / boolean; an absent key is unsupported), `supports_streaming` and
 *   the URL of the per-endpoint records.
 * - `GET /images/models/{id}/endpoints`: those records (provider, supported parameters,
 *   `supports_streaming`, `allowed_passthrough_parameters`, pricing lines).
 * - `POST /images`: one JSON body `{ created, data: [{ b64_json, media_type? }], usage }` (no
 *   `media_type` for PNG, as OpenRouter leaves it out), or with `stream: true` on a streaming model
 *   SSE events `image_generation.partial_image`, `image_generation.completed` (one per image, the
 *   request's usage on the last), `error`, then `data: [DONE]`. A model that doesn't stream answers
 *   `stream: true` with the JSON body, as OpenRouter's non-streaming providers do.
 *   Values a model's `supported_parameters` doesn't allow get a 400, as OpenRouter answers them.
 *   A finished generation is billed to the key (`account`: its limit, and a `/generation` record),
 *   whether or not its answer carried usage; a failed or stopped one costs nothing. A key whose
 *   limit is spent gets 402, as on chat.
 *
 * Images are real PNG / JPEG / WebP / SVG bytes made with sharp, sized by `resolution` and
 * `aspect_ratio`. Replies are scripted like chat replies (a queue, then a default), and share the
 * fake's pacing steps (`gate`, `atMs`, `drop`, `stall`, …) and its request records.
 */
import sharp from 'sharp';
import type { ControlStep, FakeOpenRouter, RecordedRequest, Reply, ResponseWriter } from './openrouter.js';
import { generationId, sse } from './openrouter.js';

export type Capability = { type: 'enum'; values: string[] } | { type: 'range'; min: number; max: number } | { type: 'boolean' };

export interface ImageEndpointSpec {
  provider_name: string;
  provider_slug: string;
  provider_tag: string | null;
  /** Default: the model's. */
  supported_parameters?: Record<string, Capability>;
  /** Default: the model's. */
  supports_streaming?: boolean;
  allowed_passthrough_parameters?: string[];
  pricing: { billable: string; unit: string; cost_usd: number; variant?: string }[];
}

export interface ImageModelSpec {
  id: string;
  name: string;
  description?: string;
  input_modalities: string[];
  output_modalities?: string[];
  supported_parameters: Record<string, Capability>;
  supports_streaming: boolean;
  /** The output format when the request names none (vector models answer SVG). */
  default_format?: 'png' | 'svg';
  endpoints: ImageEndpointSpec[];
}

export type ImageStep =
  /** One `image_generation.partial_image` event (streaming only; a JSON answer has none). */
  | { partial: Buffer }
  /**
   * One finished image: a `completed` event, or an entry of `data[]`. `seed` is one the provider
   * reports it used, sent beside `b64_json`; OpenRouter's documented shape (and the SDK's types)
   * have no such field, so it comes only from providers that pass one through.
   */
  | { image: Buffer; mediaType?: string; seed?: number }
  /** Streaming: an `error` event, and the stream ends. JSON: a 502, as a failed generation answers. */
  | { error: { message: string; code?: string | null } }
  /** `image_generation.text_chunk` (SVG markup as it is written). */
  | { textChunk: string }
  | { comment: string }
  /** Written verbatim as one frame. */
  | { raw: string }
  | ControlStep;

export interface ImageUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  [k: string]: unknown;
}

export interface ImageReply {
  /** Non-200: an error response; body `{ error: { code, message, metadata } }`. */
  status?: number;
  error?: Reply['error'];
  headers?: Record<string, string>;
  /** Default: `n` images made for the request, after two partial images each when streaming. */
  steps?: ImageStep[];
  /** Merged over the computed usage; `null` sends none (the generation is billed all the same). */
  usage?: Partial<ImageUsage> | null;
}

export type ImageReplySource = ImageReply | ((body: any) => ImageReply);

const enumOf = (...values: string[]): Capability => ({ type: 'enum', values });
const BOOLEAN: Capability = { type: 'boolean' };
const WIDE_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9', '9:21', '1:2', '2:1', '1:4', '4:1'];

export const DEFAULT_IMAGE_MODELS: ImageModelSpec[] = [
  {
    id: 'black-forest-labs/flux.2-pro',
    name: 'Black Forest Labs: FLUX.2 Pro',
    input_modalities: ['text', 'image'],
    supported_parameters: {
      resolution: enumOf('1K', '2K', '4K'),
      aspect_ratio: enumOf('1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9', '9:21'),
      seed: BOOLEAN,
      output_format: enumOf('png', 'jpeg'),
    },
    supports_streaming: false,
    endpoints: [
      {
        provider_name: 'Black Forest Labs',
        provider_slug: 'black-forest-labs',
        provider_tag: 'black-forest-labs',
        allowed_passthrough_parameters: ['steps', 'guidance', 'safety_tolerance'],
        pricing: [{ billable: 'output_image', unit: 'megapixel', cost_usd: 0.03 }],
      },
    ],
  },
  {
    id: 'bytedance-seed/seedream-4.5',
    name: 'ByteDance Seed: Seedream 4.5',
    input_modalities: ['text', 'image'],
    supported_parameters: {
      n: { type: 'range', min: 1, max: 4 },
      seed: BOOLEAN,
      resolution: enumOf('1K', '2K', '4K'),
      aspect_ratio: enumOf(...WIDE_RATIOS),
    },
    supports_streaming: false,
    endpoints: [{ provider_name: 'Bytedance', provider_slug: 'bytedance', provider_tag: 'bytedance', pricing: [{ billable: 'output_image', unit: 'image', cost_usd: 0.04 }] }],
  },
  {
    id: 'openai/gpt-image-1',
    name: 'OpenAI: GPT Image 1',
    input_modalities: ['text', 'image'],
    supported_parameters: {
      n: { type: 'range', min: 1, max: 10 },
      quality: enumOf('auto', 'low', 'medium', 'high'),
      background: enumOf('auto', 'transparent', 'opaque'),
      output_format: enumOf('png', 'jpeg', 'webp'),
      output_compression: { type: 'range', min: 0, max: 100 },
      aspect_ratio: enumOf('1:1', '2:3', '3:2', 'auto'),
      resolution: enumOf('1K'),
    },
    supports_streaming: true,
    endpoints: [
      {
        provider_name: 'OpenAI',
        provider_slug: 'openai',
        provider_tag: 'openai',
        pricing: [
          { billable: 'input_text', unit: 'token', cost_usd: 0.000005 },
          { billable: 'output_image', unit: 'token', cost_usd: 0.00004 },
        ],
      },
    ],
  },
  {
    id: 'recraft/recraft-v3-svg',
    name: 'Recraft: Recraft V3 SVG',
    input_modalities: ['text'],
    supported_parameters: { aspect_ratio: enumOf('1:1', '4:3', '3:4', '16:9', '9:16'), output_format: enumOf('svg') },
    supports_streaming: false,
    default_format: 'svg',
    endpoints: [{ provider_name: 'Recraft', provider_slug: 'recraft', provider_tag: null, pricing: [{ billable: 'output_image', unit: 'image', cost_usd: 0.08 }] }],
  },
  {
    // Also a chat model (in `/models`, with text output): the bot keeps such models on chat completions.
    id: 'google/gemini-3-pro-image-preview',
    name: 'Google: Nano Banana Pro (Gemini 3 Pro Image Preview)',
    input_modalities: ['text', 'image'],
    supported_parameters: { resolution: enumOf('1K', '2K', '4K'), aspect_ratio: enumOf('1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9') },
    supports_streaming: false,
    endpoints: [{ provider_name: 'Google AI Studio', provider_slug: 'google-ai-studio', provider_tag: 'google-ai-studio', pricing: [{ billable: 'output_image', unit: 'image', cost_usd: 0.134, variant: '2k' }] }],
  },
];

const SIDES: Record<string, number> = { '512': 512, '1K': 1024, '2K': 2048, '4K': 4096 };
const COLORS = ['#e4572e', '#29335c', '#f3a712', '#669bbc', '#a8c686', '#8e5572', '#1b998b', '#ff9b71', '#2d3047', '#e0a890'];

/** Pixel size for a resolution tier and aspect ratio: the tier is the long side. */
export function pixelSize(resolution: string | undefined, aspectRatio: string | undefined): { width: number; height: number } {
  const side = SIDES[resolution ?? '1K'] ?? 1024;
  const [w, h] = (aspectRatio && aspectRatio !== 'auto' ? aspectRatio : '1:1').split(':').map(Number) as [number, number];
  return w >= h ? { width: side, height: Math.round((side * h) / w) } : { width: Math.round((side * w) / h), height: side };
}

export interface MadeImage {
  bytes: Buffer;
  /** What OpenRouter puts in `media_type`: nothing for PNG. */
  mediaType: string | undefined;
}

/** A real image in the requested format: a solid colour (transparent background when asked). */
export async function makeImage(opts: { width: number; height: number; format: string; color: string; transparent?: boolean }): Promise<MadeImage> {
  const { width, height, color } = opts;
  if (opts.format === 'svg') {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="${color}"/><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#ffffff"/></svg>`;
    return { bytes: Buffer.from(svg), mediaType: 'image/svg+xml' };
  }
  const alpha = Boolean(opts.transparent) && opts.format !== 'jpeg';
  const base = sharp({ create: { width, height, channels: alpha ? 4 : 3, background: alpha ? { r: 0, g: 0, b: 0, alpha: 0 } : color } });
  // A shape on the transparent background, so the image is not empty.
  const shaped = alpha
    ? base.composite([{ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="${color}"/></svg>`) }])
    : base;
  switch (opts.format) {
    case 'jpeg':
      return { bytes: await shaped.jpeg({ quality: 80 }).toBuffer(), mediaType: 'image/jpeg' };
    case 'webp':
      return { bytes: await shaped.webp({ quality: 80 }).toBuffer(), mediaType: 'image/webp' };
    default:
      return { bytes: await shaped.png().toBuffer(), mediaType: undefined };
  }
}

/** The model list entry, in the shape `images.listModels()` validates. */
function expandImageModel(m: ImageModelSpec): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name,
    description: m.description ?? `${m.name} (fake OpenRouter image model).`,
    created: 1760000000,
    architecture: { input_modalities: m.input_modalities, output_modalities: m.output_modalities ?? ['image'] },
    supported_parameters: m.supported_parameters,
    supports_streaming: m.supports_streaming,
    endpoints: `/api/v1/images/models/${m.id}/endpoints`,
  };
}

function expandEndpoint(m: ImageModelSpec, e: ImageEndpointSpec): Record<string, unknown> {
  return {
    provider_name: e.provider_name,
    provider_slug: e.provider_slug,
    provider_tag: e.provider_tag,
    supported_parameters: e.supported_parameters ?? m.supported_parameters,
    allowed_passthrough_parameters: e.allowed_passthrough_parameters ?? [],
    supports_streaming: e.supports_streaming ?? m.supports_streaming,
    pricing: e.pricing,
  };
}

/** Request fields checked against `supported_parameters`, with the value that means "not asked". */
const CHECKED_FIELDS = ['n', 'seed', 'resolution', 'aspect_ratio', 'quality', 'background', 'output_format', 'output_compression'] as const;

/** Why OpenRouter would refuse these values for this model, or undefined when it takes them. */
export function unsupportedValue(model: ImageModelSpec, body: Record<string, unknown>): string | undefined {
  for (const field of CHECKED_FIELDS) {
    const value = body[field];
    if (value === undefined || (field === 'n' && value === 1)) continue;
    const cap = model.supported_parameters[field];
    if (!cap) return `Parameter "${field}" is not supported by ${model.id}`;
    if (cap.type === 'enum' && !cap.values.includes(String(value))) return `Invalid value for "${field}": ${JSON.stringify(value)} (allowed: ${cap.values.join(', ')})`;
    if (cap.type === 'range' && (typeof value !== 'number' || value < cap.min || value > cap.max)) return `"${field}" must be between ${cap.min} and ${cap.max}`;
  }
  if (Array.isArray(body.input_references) && body.input_references.length > 0 && !model.input_modalities.includes('image')) {
    return `${model.id} does not accept input images`;
  }
  return undefined;
}

export class FakeImageApi {
  models: ImageModelSpec[] = DEFAULT_IMAGE_MODELS.map((m) => structuredClone(m));
  /** When set, `GET /images/models` answers this status (the image model list is unreachable). */
  modelsStatus: number | undefined;
  private queue: ImageReplySource[] = [];
  private defaultReply: ImageReplySource = {};

  constructor(private readonly fake: FakeOpenRouter) {}

  /** Queue the answer for the next `POST /images` that passes validation (FIFO). */
  reply(r: ImageReplySource): void {
    this.queue.push(r);
  }

  setDefault(r: ImageReplySource): void {
    this.defaultReply = r;
  }

  /** Full records of `POST /images` requests, in arrival order (rejected ones included). */
  records(): RecordedRequest[] {
    return this.fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/images');
  }

  /** Their bodies, snake_case as on the wire. */
  requests(): any[] {
    return this.records().map((r) => r.body);
  }

  /** @internal Called by FakeOpenRouter for every path under `/images`. */
  async handle(record: RecordedRequest, path: string, bodyIsJson: boolean, out: ResponseWriter): Promise<void> {
    if (record.method === 'GET' && path === '/images/models') {
      if (this.modelsStatus) return this.fake.errorResponse(out, this.modelsStatus, {});
      return out.json(200, { data: this.models.map(expandImageModel) });
    }
    const endpoints = /^\/images\/models\/(.+)\/endpoints$/.exec(path);
    if (record.method === 'GET' && endpoints) {
      const model = this.models.find((m) => m.id === endpoints[1]);
      if (!model) return this.fake.errorResponse(out, 404, { error: { message: `Model ${endpoints[1]} not found` } });
      return out.json(200, { id: model.id, endpoints: model.endpoints.map((e) => expandEndpoint(model, e)) });
    }
    if (record.method === 'POST' && path === '/images') return this.generate(record, bodyIsJson, out);
    return this.fake.errorResponse(out, 404, { error: { message: 'Not Found' } });
  }

  private async generate(record: RecordedRequest, bodyIsJson: boolean, out: ResponseWriter): Promise<void> {
    if (this.fake.authenticate(record.headers, out) === undefined) return;
    const body = record.body;
    const bad = (message: string) => this.fake.errorResponse(out, 400, { error: { message } });
    if (!bodyIsJson || !body || typeof body !== 'object' || Array.isArray(body)) return bad('Invalid JSON body');
    if (typeof body.prompt !== 'string' || body.prompt.length === 0) return bad('prompt: Too small: expected string to have >=1 characters');
    const model = this.models.find((m) => m.id === body.model);
    if (!model) return bad(`${String(body.model)} is not a valid model ID`);
    const refusal = unsupportedValue(model, body);
    if (refusal) return bad(refusal);
    if (this.fake.account.refusedSpent(out)) return;

    const source = this.queue.shift() ?? this.defaultReply;
    const reply = typeof source === 'function' ? source(body) : source;
    if (reply.status && reply.status !== 200) return this.fake.errorResponse(out, reply.status, reply);
    const streaming = body.stream === true && model.supports_streaming;
    const steps = reply.steps ?? (await this.defaultSteps(model, body, streaming));
    const images = steps.filter((s) => 'image' in s).length;
    const cost = model.endpoints[0]?.pricing.find((p) => p.billable === 'output_image')?.cost_usd ?? 0.04;
    const billed: ImageUsage = { prompt_tokens: 0, completion_tokens: 4175 * images, total_tokens: 4175 * images, cost: cost * images, ...reply.usage };
    const usage = reply.usage === null ? undefined : billed;
    const created = Math.floor(Date.now() / 1000);
    const finished = streaming ? await this.stream(out, steps, usage, created, reply.headers ?? {}) : await this.buffered(out, steps, usage, created, reply.headers ?? {});
    if (finished) {
      const provider = model.endpoints[0]?.provider_name ?? 'Unknown';
      this.fake.account.charge(record, { id: generationId(), model: model.id, provider, usage: billed, finishReason: null, apiType: 'image' });
    }
  }

  /** `n` images of the requested size and format, each after two partial renders when streaming. */
  private async defaultSteps(model: ImageModelSpec, body: any, streaming: boolean): Promise<ImageStep[]> {
    const { width, height } = pixelSize(body.resolution, body.aspect_ratio);
    const format = body.output_format ?? model.default_format ?? 'png';
    const steps: ImageStep[] = [];
    for (let i = 0; i < (body.n ?? 1); i++) {
      const color = COLORS[i % COLORS.length]!;
      if (streaming) {
        for (const scale of [8, 4]) {
          const partial = await makeImage({ width: Math.round(width / scale), height: Math.round(height / scale), format: 'png', color, transparent: body.background === 'transparent' });
          steps.push({ partial: partial.bytes });
        }
      }
      const made = await makeImage({ width, height, format, color, transparent: body.background === 'transparent' });
      steps.push({ image: made.bytes, ...(made.mediaType ? { mediaType: made.mediaType } : {}) });
    }
    return steps;
  }

  /** Resolves true when every image was sent (the generation finished, so it is billed). */
  private async stream(out: ResponseWriter, steps: ImageStep[], usage: ImageUsage | undefined, created: number, headers: Record<string, string>): Promise<boolean> {
    out.head(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers }, true);
    if (!(await out.frame(': OPENROUTER PROCESSING\n\n'))) return false;
    const lastImage = steps.findLastIndex((s) => 'image' in s);
    let partials = 0;
    for (const [i, step] of steps.entries()) {
      if (out.closed) return false;
      let frame: string | undefined;
      if ('partial' in step) frame = sse({ type: 'image_generation.partial_image', partial_image_index: partials++, b64_json: step.partial.toString('base64') });
      else if ('image' in step) {
        frame = sse({
          type: 'image_generation.completed',
          b64_json: step.image.toString('base64'),
          ...(step.mediaType ? { media_type: step.mediaType } : {}),
          ...(step.seed !== undefined ? { seed: step.seed } : {}),
          created,
          ...(i === lastImage && usage ? { usage } : {}),
        });
      } else if ('textChunk' in step) frame = sse({ type: 'image_generation.text_chunk', phase: 'content', text: step.textChunk });
      else if ('comment' in step) frame = `: ${step.comment}\n\n`;
      else if ('raw' in step) frame = step.raw;
      else if ('error' in step) {
        await out.frame(sse({ type: 'error', error: { message: step.error.message, code: step.error.code === undefined ? 'server_error' : step.error.code } }));
        if (await out.frame(sse('[DONE]'))) out.end();
        return false;
      }
      if (frame !== undefined) {
        if (!(await out.frame(frame))) return false;
      } else if (!(await this.fake.control(step as ControlStep, out))) return false;
    }
    if (!(await out.frame(sse('[DONE]')))) return false;
    out.end();
    return true;
  }

  /** Resolves true when the answer was sent (the generation finished, so it is billed). */
  private async buffered(out: ResponseWriter, steps: ImageStep[], usage: ImageUsage | undefined, created: number, headers: Record<string, string>): Promise<boolean> {
    const data: Record<string, unknown>[] = [];
    for (const step of steps) {
      if (out.closed) return false;
      if ('image' in step) data.push({ b64_json: step.image.toString('base64'), ...(step.mediaType ? { media_type: step.mediaType } : {}), ...(step.seed !== undefined ? { seed: step.seed } : {}) });
      else if ('error' in step) {
        // A generation that fails is not billed: OpenRouter answers 502.
        this.fake.errorResponse(out, 502, { error: { message: step.error.message, metadata: { provider_name: 'fake', raw: step.error.code ?? 'server_error' } }, headers });
        return false;
      } else if ('partial' in step || 'textChunk' in step || 'comment' in step || 'raw' in step) continue;
      else if (!(await this.fake.control(step, out))) return false;
    }
    if (out.closed) return false;
    out.json(200, { created, data, ...(usage ? { usage } : {}) }, headers);
    return true;
  }
}
