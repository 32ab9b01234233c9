import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { formatSize } from './units.js';

export interface ImageData {
  bytes: Buffer;
  /** image/png, image/jpeg, image/webp or image/gif (image/svg+xml for what vector models make) */
  mime: string;
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif', 'image/svg+xml': 'svg' };

export function extensionFor(mime: string): string {
  return EXTENSIONS[mime] ?? 'png';
}

/** The type of a file named with `extensionFor` (every image the bot sends is). */
export function mimeForName(name: string): string | undefined {
  const extension = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return Object.keys(EXTENSIONS).find((mime) => EXTENSIONS[mime] === extension);
}

/** The raster format the bytes really are, whatever their name or label claims. */
export function sniffImage(bytes: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 4) === 'GIF8') return 'image/gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** SVG markup (vector models' output), possibly after an XML declaration, comments or a BOM. */
export function isSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('utf8').replace(/^\uFEFF/, '');
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function toDataUrl({ bytes, mime }: ImageData): string {
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

export function fromDataUrl(url: string): ImageData | undefined {
  const match = /^data:(image\/[\w+.-]+);base64,(.*)$/s.exec(url);
  if (!match) return undefined;
  return { mime: match[1]!, bytes: Buffer.from(match[2]!, 'base64') };
}

/**
 * Most pixels an input image may have. Decoding costs memory per pixel whatever the file's size
 * (a PNG of a few KB can declare 30,000 × 30,000), and past this the model sees no more detail.
 * Set explicitly: sharp's own default is 268 million.
 */
export const MAX_INPUT_PIXELS = 100_000_000;

/** An input image with more pixels than MAX_INPUT_PIXELS, refused from its header before decoding. */
export class TooManyPixels extends Error {
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    super(`a ${width}×${height} image is over the ${MAX_INPUT_PIXELS}-pixel limit`);
  }
}

/** From the header alone: no pixel is decoded, so no pixel limit applies (the caller checks one). */
export async function dimensions(bytes: Buffer): Promise<{ width: number; height: number }> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}

/** Images past these go to the model scaled down: more pixels cost more and add latency, not detail. */
export const MODEL_INPUT_MAX_SIDE = 2048;
export const MODEL_INPUT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Scales an input image down for the model when it is very large, keeping a format the models
 * accept. Small images pass through untouched, byte for byte.
 */
export async function fitForModel(image: ImageData, maxSide = MODEL_INPUT_MAX_SIDE, maxBytes = MODEL_INPUT_MAX_BYTES): Promise<ImageData & { resized: boolean }> {
  const { width, height } = await dimensions(image.bytes);
  if (width * height > MAX_INPUT_PIXELS) throw new TooManyPixels(width, height);
  if (Math.max(width, height) <= maxSide && image.bytes.length <= maxBytes) return { ...image, resized: false };
  const pipeline = sharp(image.bytes, { limitInputPixels: MAX_INPUT_PIXELS }).rotate().resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  // Animated GIFs become their first frame; photos become JPEG, the rest keeps transparency as PNG.
  const meta = await sharp(image.bytes).metadata();
  const out = meta.hasAlpha ? await pipeline.png().toBuffer() : await pipeline.jpeg({ quality: 88 }).toBuffer();
  return { bytes: out, mime: meta.hasAlpha ? 'image/png' : 'image/jpeg', resized: true };
}

export interface FittedImage extends ImageData {
  /** Set when the image had to change to fit; says how, for the user. */
  change?: string;
}

/**
 * Makes an image fit Discord's upload limit: first re-encoded (WebP keeps transparency, JPEG
 * otherwise), then scaled down step by step. Images already under the limit are untouched.
 */
export async function fitUnderLimit(image: ImageData, limit: number): Promise<FittedImage> {
  if (image.bytes.length <= limit) return image;
  const meta = await sharp(image.bytes).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const alpha = Boolean(meta.hasAlpha);
  const encode = (scale: number, quality: number) => {
    const pipeline = sharp(image.bytes).resize({ width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), fit: 'fill' });
    return alpha ? pipeline.webp({ quality }).toBuffer() : pipeline.jpeg({ quality, mozjpeg: true }).toBuffer();
  };
  const mime = alpha ? 'image/webp' : 'image/jpeg';
  const format = alpha ? 'WebP' : 'JPEG';
  for (const quality of [90, 80]) {
    const bytes = await encode(1, quality);
    if (bytes.length <= limit) return { bytes, mime, change: `re-encoded as ${format} to fit Discord’s ${formatSize(limit)} upload limit` };
  }
  // Scale by the square root of the size ratio (bytes grow with area), a little under to converge.
  let scale = 1;
  let bytes = await encode(scale, 80);
  for (let attempt = 0; attempt < 8 && bytes.length > limit; attempt++) {
    scale *= Math.min(0.9, Math.sqrt(limit / bytes.length) * 0.95);
    bytes = await encode(scale, 80);
  }
  if (bytes.length > limit) throw new Error(`could not fit a ${width}×${height} image under ${limit} bytes`);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return { bytes, mime, change: `scaled down to ${w}×${h} ${format} to fit Discord’s ${formatSize(limit)} upload limit` };
}

/** A small copy kept in the conversation's memory, so later turns can look at the image again. */
export async function forMemory(image: ImageData, maxSide = 1024): Promise<ImageData> {
  const { width, height } = await dimensions(image.bytes);
  if (Math.max(width, height) <= maxSide && image.bytes.length <= 512 * 1024 && image.mime !== 'image/gif') return image;
  const bytes = await sharp(image.bytes).rotate().resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true }).webp({ quality: 85 }).toBuffer();
  return { bytes, mime: 'image/webp' };
}

/**
 * A PNG rendering of SVG markup, so Discord (which shows no SVG) has a picture to show: at the
 * SVG's own size, but at least `minLongSide` pixels on its long side. Throws when sharp can't
 * render it.
 */
export async function renderSvg(svg: Buffer, minLongSide = 1024): Promise<ImageData> {
  const { width, height } = await dimensions(svg);
  const long = Math.max(width, height, 1);
  // 72 dpi is the SVG's own size; scale the density so small drawings render sharp.
  const density = long < minLongSide ? Math.min(2400, (72 * minLongSide) / long) : 72;
  return { bytes: await sharp(svg, { density }).png().toBuffer(), mime: 'image/png' };
}
