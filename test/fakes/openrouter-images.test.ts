/**
 * Proves the fake Image API against the REAL @openrouter/sdk: its model list, endpoint records,
 * buffered and streamed generations must pass the SDK's own schemas, and the images must be real.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import * as errors from '@openrouter/sdk/models/errors';
import type { ImageGenerationResponse, ImageStreamingResponseData } from '@openrouter/sdk/models';
import { FakeOpenRouter, Gate } from './openrouter.js';
import { makeImage, pixelSize } from './openrouter-images.js';

let fake: FakeOpenRouter;
let client: OpenRouter;

beforeEach(async () => {
  fake = await FakeOpenRouter.start();
  client = new OpenRouter({ apiKey: 'sk-or-v1-test', serverURL: fake.baseUrl, retryConfig: { strategy: 'none' } });
});

afterEach(async () => {
  await fake.stop();
});

async function buffered(request: Record<string, unknown>): Promise<ImageGenerationResponse> {
  const result = await client.images.generate({ imageGenerationRequest: { model: 'bytedance-seed/seedream-4.5', prompt: 'a fox', ...request } });
  if (result instanceof EventStream) throw new Error('expected a buffered answer');
  return result;
}

async function streamed(request: Record<string, unknown>): Promise<ImageStreamingResponseData[]> {
  const result = await client.images.generate({ imageGenerationRequest: { model: 'openai/gpt-image-1', prompt: 'a fox', stream: true, ...request } });
  if (!(result instanceof EventStream)) throw new Error('expected a stream');
  const events: ImageStreamingResponseData[] = [];
  for await (const event of result as EventStream<ImageStreamingResponseData>) events.push(event);
  return events;
}

const meta = (b64: string) => sharp(Buffer.from(b64, 'base64')).metadata();

describe('image model discovery through the real SDK', () => {
  it('lists models with typed capability descriptors and streaming flags', async () => {
    const { data } = await client.images.listModels();
    const seedream = data.find((m) => m.id === 'bytedance-seed/seedream-4.5')!;
    expect(seedream.supportedParameters.n).toEqual({ type: 'range', min: 1, max: 4 });
    expect(seedream.supportedParameters.seed).toEqual({ type: 'boolean' });
    expect(seedream.supportedParameters.resolution).toEqual({ type: 'enum', values: ['1K', '2K', '4K'] });
    expect(seedream.supportsStreaming).toBe(false);
    expect(seedream.architecture.inputModalities).toEqual(['text', 'image']);
    expect(seedream.endpoints).toBe('/api/v1/images/models/bytedance-seed/seedream-4.5/endpoints');
    expect(data.find((m) => m.id === 'openai/gpt-image-1')!.supportsStreaming).toBe(true);
  });

  it('serves per-endpoint records with pricing and passthrough parameters', async () => {
    const records = await client.images.listModelEndpoints({ author: 'black-forest-labs', slug: 'flux.2-pro' });
    expect(records.id).toBe('black-forest-labs/flux.2-pro');
    expect(records.endpoints[0]).toMatchObject({
      providerSlug: 'black-forest-labs',
      supportsStreaming: false,
      allowedPassthroughParameters: ['steps', 'guidance', 'safety_tolerance'],
      pricing: [{ billable: 'output_image', unit: 'megapixel', costUsd: 0.03 }],
    });
    expect(records.endpoints[0]!.supportedParameters.seed).toEqual({ type: 'boolean' });
  });

  it('answers an unreachable list with its status', async () => {
    fake.images.modelsStatus = 503;
    await expect(client.images.listModels()).rejects.toBeInstanceOf(errors.OpenRouterError);
  });
});

describe('POST /images, buffered', () => {
  it('returns n real PNGs of the requested size, no media_type for PNG, usage with cost, and records the body', async () => {
    const source = (await makeImage({ width: 8, height: 8, format: 'png', color: 'red' })).bytes;
    const result = await buffered({
      n: 3,
      seed: 42,
      resolution: '2K',
      aspectRatio: '16:9',
      inputReferences: [{ type: 'image_url', imageUrl: { url: `data:image/png;base64,${source.toString('base64')}` } }],
    });
    expect(result.data).toHaveLength(3);
    for (const image of result.data) {
      expect(image.mediaType).toBeUndefined();
      expect(await meta(image.b64Json)).toMatchObject({ format: 'png', width: 2048, height: 1152 });
    }
    expect(result.usage).toMatchObject({ cost: 0.12, promptTokens: 0 });
    expect(fake.images.requests()[0]).toEqual({
      model: 'bytedance-seed/seedream-4.5',
      prompt: 'a fox',
      n: 3,
      seed: 42,
      resolution: '2K',
      aspect_ratio: '16:9',
      input_references: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${source.toString('base64')}` } }],
    });
  });

  it('makes JPEG, WebP, transparent PNG and SVG bytes as asked', async () => {
    const jpeg = await buffered({ model: 'openai/gpt-image-1', outputFormat: 'jpeg' });
    expect(jpeg.data[0]!.mediaType).toBe('image/jpeg');
    expect((await meta(jpeg.data[0]!.b64Json)).format).toBe('jpeg');
    const webp = await buffered({ model: 'openai/gpt-image-1', outputFormat: 'webp' });
    expect((await meta(webp.data[0]!.b64Json)).format).toBe('webp');
    const clear = await buffered({ model: 'openai/gpt-image-1', background: 'transparent', outputFormat: 'png' });
    expect(await meta(clear.data[0]!.b64Json)).toMatchObject({ format: 'png', hasAlpha: true });
    const svg = await buffered({ model: 'recraft/recraft-v3-svg', aspectRatio: '4:3' });
    expect(svg.data[0]!.mediaType).toBe('image/svg+xml');
    expect(Buffer.from(svg.data[0]!.b64Json, 'base64').toString()).toMatch(/^<svg /);
    expect(await meta(svg.data[0]!.b64Json)).toMatchObject({ format: 'svg', width: 1024, height: 768 });
  });

  it('refuses values the model does not take with a 400, as OpenRouter does', async () => {
    const refusal = (request: Record<string, unknown>) => buffered(request).then(() => undefined, (e: unknown) => e);
    const quality = await refusal({ quality: 'high' });
    expect(quality).toBeInstanceOf(errors.BadRequestResponseError);
    expect((quality as errors.BadRequestResponseError).body).toContain('Parameter \\"quality\\" is not supported by bytedance-seed/seedream-4.5');
    expect(await refusal({ n: 5 })).toBeInstanceOf(errors.BadRequestResponseError);
    expect(await refusal({ resolution: '512' })).toBeInstanceOf(errors.BadRequestResponseError);
    expect(await refusal({ model: 'nobody/nothing' })).toBeInstanceOf(errors.BadRequestResponseError);
    expect(fake.images.requests()).toHaveLength(4);
  });

  it('answers a failed generation with 502, and a streaming request to a model that cannot stream with JSON', async () => {
    fake.images.reply({ steps: [{ error: { message: 'Generation failed' } }] });
    await expect(buffered({})).rejects.toBeInstanceOf(errors.BadGatewayResponseError);
    const result = await client.images.generate({ imageGenerationRequest: { model: 'bytedance-seed/seedream-4.5', prompt: 'a fox', stream: true } });
    expect(result).not.toBeInstanceOf(EventStream);
    expect((result as ImageGenerationResponse).data).toHaveLength(1);
  });

  it('scripted errors carry their status and headers', async () => {
    fake.images.reply({ status: 429, headers: { 'Retry-After': '3' }, error: { message: 'Rate limit exceeded' } });
    const error = (await buffered({}).catch((e: unknown) => e)) as errors.TooManyRequestsResponseError;
    expect(error).toBeInstanceOf(errors.TooManyRequestsResponseError);
    expect(error.headers?.get('retry-after')).toBe('3');
  });
});

describe('POST /images, streamed', () => {
  it('sends partial images, then one completed event per image with usage on the last, then [DONE]', async () => {
    const events = await streamed({ n: 2 });
    expect(events.map((e) => e.type)).toEqual([
      'image_generation.partial_image',
      'image_generation.partial_image',
      'image_generation.completed',
      'image_generation.partial_image',
      'image_generation.partial_image',
      'image_generation.completed',
    ]);
    const partials = events.filter((e) => e.type === 'image_generation.partial_image');
    expect(partials.map((p) => p.partialImageIndex)).toEqual([0, 1, 2, 3]);
    expect(await meta(partials[0]!.b64Json)).toMatchObject({ format: 'png', width: 128, height: 128 });
    const completed = events.filter((e) => e.type === 'image_generation.completed');
    expect(await meta(completed[1]!.b64Json)).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    expect(completed[0]!.usage).toBeUndefined();
    expect(completed[1]!.usage?.cost).toBeCloseTo(0.00008);
    const frames = fake.images.records()[0]!.response.frames;
    expect(frames[0]).toBe(': OPENROUTER PROCESSING\n\n');
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    expect(fake.images.records()[0]!.response.state).toBe('done');
  });

  it('an error event ends the stream', async () => {
    fake.images.reply({ steps: [{ partial: (await makeImage({ width: 4, height: 4, format: 'png', color: 'red' })).bytes }, { error: { message: 'Generation failed', code: 'server_error' } }] });
    const events = await streamed({});
    expect(events.at(-1)).toEqual({ type: 'error', error: { message: 'Generation failed', code: 'server_error' } });
  });

  it('a gate holds the stream and an abort closes the connection', async () => {
    const gate = new Gate();
    fake.images.reply({ steps: [{ gate }, { stall: true }] });
    const controller = new AbortController();
    const result = await client.images.generate({ imageGenerationRequest: { model: 'openai/gpt-image-1', prompt: 'x', stream: true } }, { signal: controller.signal });
    await gate.reached;
    expect(fake.streamsOpen()).toBe(1);
    controller.abort();
    await expect((async () => {
      for await (const _ of result as EventStream<ImageStreamingResponseData>) void _;
    })()).rejects.toThrow();
    await fake.waitFor(() => fake.images.records()[0]!.response.state === 'aborted', { what: 'aborted' });
  });
});

describe('what a generation costs the key', () => {
  it('bills a finished generation (with or without usage in its answer) against the key’s limit, with a /generation record', async () => {
    fake.account.limit = 1;
    await buffered({ n: 2, user: 'discord-abc' });
    fake.images.reply({ usage: null });
    expect((await buffered({})).usage).toBeUndefined();
    await streamed({});
    const { data: key } = await client.apiKeys.getCurrentKeyMetadata();
    // Seedream: $0.04 an image, three of them; the fake bills GPT Image its $0.00004 price once an image.
    expect(key.limitRemaining).toBeCloseTo(1 - 0.12 - 0.00004, 12);
    expect(key.usage).toBeCloseTo(0.12004, 12);
    const [first, second, third] = [...fake.account.generations.values()];
    const { data } = await client.generations.getGeneration({ id: first!.id });
    expect(data).toMatchObject({ apiType: 'image', model: 'bytedance-seed/seedream-4.5', providerName: 'Bytedance', externalUser: 'discord-abc', totalCost: 0.08, tokensCompletion: 8350, streamed: false, cancelled: false });
    expect(second).toMatchObject({ cost: 0.04, user: null });
    expect(third).toMatchObject({ model: 'openai/gpt-image-1', streamed: true });
  });

  it('bills nothing for a failed or stopped generation', async () => {
    fake.account.limit = 1;
    fake.images.reply({ steps: [{ error: { message: 'Generation failed' } }] });
    await expect(buffered({})).rejects.toBeInstanceOf(errors.BadGatewayResponseError);
    fake.images.reply({ steps: [{ error: { message: 'Generation failed', code: 'server_error' } }] });
    await streamed({});
    const gate = new Gate();
    fake.images.reply({ steps: [{ gate }, { image: (await makeImage({ width: 4, height: 4, format: 'png', color: 'red' })).bytes }] });
    const controller = new AbortController();
    const result = await client.images.generate({ imageGenerationRequest: { model: 'openai/gpt-image-1', prompt: 'x', stream: true } }, { signal: controller.signal });
    await gate.reached;
    controller.abort();
    await expect((async () => {
      for await (const _ of result as EventStream<ImageStreamingResponseData>) void _;
    })()).rejects.toThrow();
    await fake.waitFor(() => fake.images.records()[2]!.response.state === 'aborted' && gate.waiting === 0, { what: 'the stopped generation to leave the gate' });
    // What is left of its handler runs before the next request is answered.
    expect((await client.apiKeys.getCurrentKeyMetadata()).data.limitRemaining).toBe(1);
    expect(fake.account.generations.size).toBe(0);
  });

  it('refuses with 402 once the key’s limit is spent, by images or chat alike', async () => {
    fake.account.limit = 0.05;
    await buffered({});
    await buffered({});
    const refused = await buffered({}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(errors.PaymentRequiredResponseError);
    expect(fake.images.records()[2]!.response.status).toBe(402);
    expect(fake.account.generations.size).toBe(2);
    fake.account.resetLimit();
    await expect(buffered({})).resolves.toMatchObject({ usage: { cost: 0.04 } });
  });
});

describe('sizes', () => {
  it('takes the tier as the long side', () => {
    expect(pixelSize('2K', '16:9')).toEqual({ width: 2048, height: 1152 });
    expect(pixelSize('1K', '9:16')).toEqual({ width: 576, height: 1024 });
    expect(pixelSize(undefined, undefined)).toEqual({ width: 1024, height: 1024 });
    expect(pixelSize('512', 'auto')).toEqual({ width: 512, height: 512 });
  });
});
