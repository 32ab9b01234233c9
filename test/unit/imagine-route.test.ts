import { describe, expect, it } from 'vitest';
import { imageModelChoices, routeImageModel } from '../../src/imagine/route.js';
import type { ImagineOptions } from '../../src/imagine/options.js';
import type { ImageModelInfo } from '../../src/openrouter/image-models.js';
import type { ModelInfo } from '../../src/openrouter/models.js';

const chat = (id: string, output: string[]): ModelInfo => ({ id, name: id, contextLength: undefined, maxCompletionTokens: undefined, input: ['text'], output, pricing: undefined, supportedParameters: [] });
const image = (id: string): ImageModelInfo => ({ id, name: `Image ${id}`, input: ['text'], parameters: {}, streams: false });

const chatModels = [chat('openai/gpt-5-image-mini', ['image', 'text']), chat('google/gemini-image', ['image', 'text']), chat('black-forest-labs/flux.2-pro', ['image']), chat('old/image-only', ['image']), chat('openai/gpt-5', ['text'])];
const imageModels = [image('black-forest-labs/flux.2-pro'), image('google/gemini-image'), image('recraft/v3')];

describe('which API makes the images', () => {
  it('keeps chat models that write and draw on chat, even when the Image API serves them too', () => {
    expect(routeImageModel('google/gemini-image', chatModels, imageModels).kind).toBe('chat');
    expect(routeImageModel('openai/gpt-5-image-mini', chatModels, imageModels).kind).toBe('chat');
  });

  it('sends image-only models to the Image API, and image-only chat models it lacks to chat', () => {
    expect(routeImageModel('black-forest-labs/flux.2-pro', chatModels, imageModels)).toMatchObject({ kind: 'image-api', model: { id: 'black-forest-labs/flux.2-pro' } });
    expect(routeImageModel('recraft/v3', chatModels, imageModels).kind).toBe('image-api');
    expect(routeImageModel('old/image-only', chatModels, imageModels).kind).toBe('chat');
  });

  it('refuses a text model and a model in neither list', () => {
    expect(() => routeImageModel('openai/gpt-5', chatModels, imageModels)).toThrow(/`openai\/gpt-5` can’t make images/);
    expect(() => routeImageModel('nobody/none', chatModels, imageModels)).toThrow(/There is no image model `nobody\/none`/);
  });

  it('with a list unreachable, sends an unknown model where that list would have said', () => {
    expect(routeImageModel('recraft/v3', chatModels, [])).toEqual({ kind: 'image-api', model: undefined });
    expect(routeImageModel('recraft/v3', [], imageModels)).toMatchObject({ kind: 'image-api', model: { id: 'recraft/v3' } });
    expect(routeImageModel('openai/gpt-5-image-mini', [], imageModels)).toEqual({ kind: 'chat', model: undefined });
    expect(routeImageModel('anything/at-all', [], [])).toEqual({ kind: 'chat', model: undefined });
  });

  it('with neither list, sends what only the Image API can express there, and the rest to chat', () => {
    const asked = (o: Partial<ImagineOptions>): ImagineOptions => ({ count: 1, ...o });
    for (const o of [{ quality: 'high' }, { transparent: true }, { resolution: '512' }, { aspectRatio: '1:8' }] as const) {
      expect(routeImageModel('openai/gpt-image-1', [], [], asked(o))).toEqual({ kind: 'image-api', model: undefined });
    }
    // Both paths take these: chat, where the default models are.
    expect(routeImageModel('openai/gpt-5-image-mini', [], [], asked({ count: 4, seed: 3, resolution: '2K', aspectRatio: '16:9', withImages: true }))).toEqual({ kind: 'chat', model: undefined });
    // Only when neither list answered: a list that did answer still decides.
    expect(routeImageModel('old/image-only', chatModels, [], asked({ quality: 'high' })).kind).toBe('chat');
    expect(routeImageModel('nobody/none', [], imageModels, asked({ quality: 'high' }))).toEqual({ kind: 'chat', model: undefined });
  });
});

describe('model choices', () => {
  it('lists both kinds once each, marked, within Discord’s 100 characters', () => {
    const long = { ...image('x/long'), name: 'N'.repeat(120) };
    const choices = imageModelChoices(chatModels, [...imageModels, long], '');
    expect(choices.map((c) => c.value)).toEqual(['openai/gpt-5-image-mini', 'google/gemini-image', 'black-forest-labs/flux.2-pro', 'old/image-only', 'recraft/v3', 'x/long']);
    expect(choices.map((c) => c.name.split(' · ').at(-1))).toEqual(['chat', 'chat', 'image API', 'chat', 'image API', 'image API']);
    expect(choices.at(-1)!.name).toHaveLength(100);
  });
});
