import { describe, expect, it } from 'vitest';
import { aspectRatiosFor, chatImagePlan, imageApiPlan, parseAspectRatio, type ImagineOptions } from '../../src/imagine/options.js';
import type { ImageModelInfo } from '../../src/openrouter/image-models.js';
import type { ModelInfo } from '../../src/openrouter/models.js';
import { UserError } from '../../src/user-error.js';

const gptImage: ImageModelInfo = {
  id: 'openai/gpt-image-1',
  name: 'GPT Image 1',
  input: ['text', 'image'],
  parameters: {
    n: { type: 'range', min: 1, max: 10 },
    quality: { type: 'enum', values: ['auto', 'low', 'medium', 'high'] },
    background: { type: 'enum', values: ['auto', 'transparent', 'opaque'] },
    output_format: { type: 'enum', values: ['png', 'jpeg', 'webp'] },
    aspect_ratio: { type: 'enum', values: ['1:1', '2:3', '3:2', 'auto'] },
  },
  streams: true,
};
const flux: ImageModelInfo = {
  id: 'black-forest-labs/flux.2-pro',
  name: 'FLUX.2 Pro',
  input: ['text'],
  parameters: { seed: { type: 'boolean' }, resolution: { type: 'enum', values: ['1K', '2K'] }, output_format: { type: 'enum', values: ['jpeg'] }, background: { type: 'boolean' } },
  streams: false,
};
const chatModel = (supportedParameters: string[]): ModelInfo => ({
  id: 'openai/gpt-5-image-mini',
  name: 'GPT-5 Image Mini',
  pricing: undefined,
  contextLength: 400_000,
  maxCompletionTokens: 128_000,
  input: ['text', 'image'],
  output: ['image', 'text'],
  supportedParameters,
});
const ask = (o: Partial<ImagineOptions> = {}): ImagineOptions => ({ count: 1, ...o });
const seed7 = () => 7;
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('the Image API plan', () => {
  it('sends every option the model takes under its field', () => {
    const plan = imageApiPlan(ask({ count: 3, quality: 'high', transparent: true, aspectRatio: '3:2' }), gptImage, undefined, seed7);
    expect(plan.fields).toEqual({ n: 3, quality: 'high', background: 'transparent', outputFormat: 'png', aspectRatio: '3:2' });
    // No seed field: none sent, none shown.
    expect(plan.seed).toBeUndefined();
  });

  it('always sends a seed to a model that takes one: the one asked, the channel’s, else a new one', () => {
    expect(imageApiPlan(ask({ seed: 42 }), flux, 9, seed7).fields.seed).toBe(42);
    expect(imageApiPlan(ask(), flux, 9, seed7).fields.seed).toBe(9);
    expect(imageApiPlan(ask(), flux, undefined, seed7)).toMatchObject({ seed: 7, fields: { seed: 7 } });
    // The channel's seed is left out (and said) for a model without one.
    expect(imageApiPlan(ask(), gptImage, 9, seed7)).toMatchObject({ fields: {}, ignored: ['seed'] });
  });

  it('refuses, listing what the model takes, everything it doesn’t', () => {
    expect(refusal(() => imageApiPlan(ask({ count: 2, seed: 1, resolution: '4K', quality: 'low', aspectRatio: '16:9', withImages: true }), flux, undefined, seed7))).toBe(
      '`black-forest-labs/flux.2-pro` doesn’t take count 2, resolution 4K, quality low, aspect_ratio 16:9, an image to start from. It takes: seed, resolution (1K, 2K), transparent.',
    );
    expect(refusal(() => imageApiPlan(ask({ seed: 1, resolution: '2K' }), gptImage, undefined, seed7))).toMatch(
      /^`openai\/gpt-image-1` doesn’t take seed, resolution 2K\. It takes: count 1–10, quality \(auto, low, medium, high\), transparent, aspect_ratio \(1:1, 2:3, 3:2, auto\), image\.$/,
    );
    expect(refusal(() => imageApiPlan(ask({ count: 11 }), gptImage, undefined, seed7))).toMatch(/doesn’t take count 11/);
  });

  it('refuses transparency when none of the model’s formats has it', () => {
    expect(refusal(() => imageApiPlan(ask({ transparent: true }), flux, undefined, seed7))).toMatch(/doesn’t take transparent \(none of its formats has transparency\)/);
  });

  it('sends everything asked, unchecked and without a made-up seed, when the model list is unreachable', () => {
    const plan = imageApiPlan(ask({ count: 4, seed: 5, resolution: '512', quality: 'medium', transparent: true, aspectRatio: '1:8' }), undefined, undefined, seed7);
    expect(plan.fields).toEqual({ n: 4, seed: 5, resolution: '512', quality: 'medium', background: 'transparent', aspectRatio: '1:8' });
    expect(imageApiPlan(ask(), undefined, undefined, seed7).fields).toEqual({});
  });
});

describe('the chat plan', () => {
  it('makes one request per image, each with its own seed, and the image config', () => {
    expect(chatImagePlan(ask({ count: 3, seed: 10, aspectRatio: '16:9', resolution: '2K' }), chatModel(['seed']), undefined, seed7)).toEqual({
      seeds: [10, 11, 12],
      imageConfig: { aspect_ratio: '16:9', image_size: '2K' },
    });
    expect(chatImagePlan(ask({ count: 2 }), chatModel(['seed']), undefined, seed7).seeds).toEqual([7, 8]);
    expect(chatImagePlan(ask({ count: 2 }), chatModel([]), 3, seed7)).toEqual({ seeds: [undefined, undefined] });
  });

  it('refuses what chat completions can’t express, and a seed the model doesn’t take', () => {
    expect(refusal(() => chatImagePlan(ask({ quality: 'high', transparent: true, resolution: '512', aspectRatio: '1:8', seed: 1 }), chatModel([]), undefined, seed7))).toBe(
      '`openai/gpt-5-image-mini` (a chat model) doesn’t take quality, transparent, resolution 512, aspect_ratio 1:8, seed. It takes: count 1–4, resolution (1K, 2K, 4K), aspect_ratio (1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9), image.',
    );
    // Not known from the list (it couldn't be fetched): no model id to name, so no code span.
    expect(refusal(() => chatImagePlan(ask({ quality: 'high' }), undefined, undefined, seed7))).toBe(
      'A chat image model doesn’t take quality. It takes: count 1–4, seed, resolution (1K, 2K, 4K), aspect_ratio (1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9), image.',
    );
  });
});

describe('aspect ratios', () => {
  it('takes the longer list as text, normalised, and refuses others naming the list', () => {
    expect(parseAspectRatio(' 21x9 ')).toBe('21:9');
    expect(parseAspectRatio('2.35:1')).toBe('2.35:1');
    expect(() => parseAspectRatio('7:3')).toThrow(/`aspect_ratio` must be one of `1:1`, .*`auto`; you gave `7:3`/);
  });

  it('offers the model’s own ratios', () => {
    expect(aspectRatiosFor({ kind: 'image-api', model: gptImage })).toEqual(['1:1', '2:3', '3:2', 'auto']);
    expect(aspectRatiosFor({ kind: 'image-api', model: flux })).toEqual([]);
    expect(aspectRatiosFor({ kind: 'chat' })).toContain('21:9');
    expect(aspectRatiosFor({ kind: 'image-api', model: undefined })).toContain('1:8');
  });
});
