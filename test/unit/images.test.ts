import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dimensions, extensionFor, fitUnderLimit, forMemory, fromDataUrl, mimeForName, toDataUrl } from '../../src/images.js';

/** Random pixels compress badly: a realistic worst case for size limits. */
async function noise(width: number, height: number, channels: 3 | 4 = 3): Promise<Buffer> {
  return sharp(randomBytes(width * height * channels), { raw: { width, height, channels } }).png().toBuffer();
}

describe('fitUnderLimit', () => {
  it('leaves an image under the limit untouched', async () => {
    const png = await noise(16, 16);
    expect((await fitUnderLimit({ bytes: png, mime: 'image/png' }, png.length)).bytes).toBe(png);
  });

  it('re-encodes an oversize opaque PNG as JPEG first, keeping its size in pixels', async () => {
    const png = await noise(256, 256);
    const fitted = await fitUnderLimit({ bytes: png, mime: 'image/png' }, Math.floor(png.length * 0.8));
    expect(fitted.bytes.length).toBeLessThanOrEqual(png.length * 0.8);
    expect(fitted.mime).toBe('image/jpeg');
    expect(fitted.change).toMatch(/re-encoded as JPEG/);
    expect(await dimensions(fitted.bytes)).toEqual({ width: 256, height: 256 });
  });

  it('scales down when re-encoding is not enough, keeping transparency as WebP', async () => {
    const png = await noise(400, 300, 4);
    const limit = 20 * 1024;
    const fitted = await fitUnderLimit({ bytes: png, mime: 'image/png' }, limit);
    expect(fitted.bytes.length).toBeLessThanOrEqual(limit);
    expect(fitted.mime).toBe('image/webp');
    expect(fitted.change).toMatch(/scaled down to \d+×\d+ WebP to fit Discord’s 20 KB upload limit/);
    const { width, height } = await dimensions(fitted.bytes);
    expect(width).toBeLessThan(400);
    expect(Math.abs(width / height - 4 / 3)).toBeLessThan(0.05);
  });
});

describe('memory copies and data URLs', () => {
  it('keeps small images as they are and shrinks large ones to 1024 px', async () => {
    const small = { bytes: await noise(32, 32), mime: 'image/png' };
    expect(await forMemory(small)).toBe(small);
    const large = await forMemory({ bytes: await sharp({ create: { width: 2000, height: 1000, channels: 3, background: 'green' } }).png().toBuffer(), mime: 'image/png' });
    expect(large.mime).toBe('image/webp');
    expect(await dimensions(large.bytes)).toEqual({ width: 1024, height: 512 });
  });

  it('round-trips data URLs and rejects others', async () => {
    const image = { bytes: await noise(4, 4), mime: 'image/png' };
    expect(fromDataUrl(toDataUrl(image))).toEqual(image);
    expect(fromDataUrl('https://example.com/x.png')).toBeUndefined();
  });
});

describe('mimeForName', () => {
  it('names the type of every file named with extensionFor, and nothing for other names', () => {
    for (const mime of ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/svg+xml']) expect(mimeForName(`image-1.${extensionFor(mime)}`)).toBe(mime);
    expect(mimeForName('PREVIEW.WEBP')).toBe('image/webp');
    expect(mimeForName('notes.txt')).toBeUndefined();
    expect(mimeForName('no-extension')).toBeUndefined();
  });
});
