import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { prepareImages, shareBudget } from '../../src/conversation/made-images.js';
import { PREVIEW_MAX_SIDE, PreviewImage, scalePreview } from '../../src/imagine/preview.js';
import { deferred, settle } from '../helpers/manual-timers.js';
import { imageFooter, type ImageResult } from '../../src/imagine/result.js';

const result = (over: Partial<ImageResult> = {}): ImageResult => ({
  prompt: 'a fox',
  options: { count: 1 },
  model: 'black-forest-labs/flux.2-pro',
  kind: 'image-api',
  images: [{ file: 'image-1.png', seed: 42, width: 2048, height: 1152 }],
  seed: 42,
  cost: 0.06,
  channelId: '1',
  messageId: '2',
  ...over,
});

describe('the footer under the images', () => {
  it('gives the model, the seed, the size and the cost', () => {
    expect(imageFooter(result())).toBe('-# black-forest-labs/flux.2-pro · seed 42 · 2048×1152 · $0.0600');
  });

  it('lists each image’s own seed, and one size when they share it', () => {
    const images = [40, 41, 42].map((seed, i) => ({ file: `image-${i + 1}.png`, seed, width: 1024, height: 1024 }));
    expect(imageFooter(result({ images, seed: 40, cost: undefined, kind: 'chat' }), ['seed not supported'])).toBe('-# black-forest-labs/flux.2-pro · seeds 40, 41, 42 · 1024×1024\n-# seed not supported');
  });

  it('shows the request’s seed for a batch, and no seed when none was sent', () => {
    const batch = [1, 2].map((i) => ({ file: `image-${i}.png`, seed: undefined, width: 1024, height: 1536 }));
    expect(imageFooter(result({ images: batch, seed: 9 }))).toBe('-# black-forest-labs/flux.2-pro · seed 9 · 1024×1536 · $0.0600');
    expect(imageFooter(result({ images: [], seed: undefined, cost: 0 }))).toBe('-# black-forest-labs/flux.2-pro · $0');
  });
});

describe('preparing several images for one message', () => {
  it('shares the request budget: small files keep their size, large ones split the rest', () => {
    expect(shareBudget([10, 100, 100], 150, 1000)).toEqual([10, 70, 70]);
    expect(shareBudget([10, 20], 1000, 15)).toEqual([10, 15]);
    expect(shareBudget([5, 5], 100, 100)).toEqual([5, 5]);
  });

  it('attaches an SVG with a PNG rendering Discord can show, and remembers the rendering', async () => {
    const svg = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="teal"/></svg>');
    const made = await prepareImages([{ bytes: svg, mime: 'image/svg+xml' }], 10 * 1024 * 1024);
    expect(made.files.map((f) => f.name)).toEqual(['image-1.svg', 'image-1.png']);
    expect(made.files[0]!.data.equals(svg)).toBe(true);
    expect(await sharp(made.files[1]!.data).metadata()).toMatchObject({ format: 'png', width: 1024, height: 768 });
    expect(made.originals).toMatchObject([{ index: 0, mime: 'image/png', width: 1024, height: 768 }]);
    expect(made.notes).toEqual([]);
  });

  it('trusts the bytes over the label, and says which image it could not read', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).jpeg().toBuffer();
    const made = await prepareImages([{ bytes: jpeg, mime: 'image/png' }, { bytes: Buffer.from('not an image'), mime: 'image/png' }, undefined], 1024 * 1024);
    expect(made.files.map((f) => f.name)).toEqual(['image-1.jpg']);
    expect(made.notes).toEqual([
      '⚠️ Image 2 came back in a form the bot can’t read, so it is missing here.',
      '⚠️ Image 3 came back in a form the bot can’t read, so it is missing here.',
    ]);
  });
});

describe('previews', () => {
  it('shows the newest partial image, even when an older one finishes scaling later', async () => {
    const scaling: { input: Buffer; done: ReturnType<typeof deferred<Buffer>> }[] = [];
    const ready: string[] = [];
    const preview = new PreviewImage(
      () => ready.push(preview.current!.data.toString()),
      undefined,
      (input) => {
        const done = deferred<Buffer>();
        scaling.push({ input, done });
        return done.promise;
      },
    );
    preview.offer(Buffer.from('first'));
    preview.offer(Buffer.from('second'));
    scaling[1]!.done.resolve(Buffer.from('second, small'));
    await settle();
    scaling[0]!.done.resolve(Buffer.from('first, small'));
    await settle();
    expect(ready).toEqual(['second, small']);
    expect(preview.count).toBe(1);
    preview.close();
    preview.offer(Buffer.from('after the end'));
    scaling[2]!.done.resolve(Buffer.from('late'));
    await settle();
    expect(ready).toEqual(['second, small']);
  });

  it('scales to a small WebP that keeps the shape', async () => {
    const big = await sharp({ create: { width: 2048, height: 1024, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } }).png().toBuffer();
    const scaled = await scalePreview(big);
    expect(await sharp(scaled).metadata()).toMatchObject({ format: 'webp', width: PREVIEW_MAX_SIDE, height: PREVIEW_MAX_SIDE / 2, hasAlpha: true });
    expect(scaled.length).toBeLessThan(20 * 1024);
  });
});
