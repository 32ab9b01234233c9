/**
 * Figure 5: an image of about 4 MiB from upstream (in one SSE event, as OpenRouter sends it) to
 * the finished upload on Discord: time, and the bot's peak memory above idle while doing it.
 * Figure 5b: the same for an Image API result of four 2K images (one `completed` event each).
 */
import sharp from 'sharp';
import { Gate } from '../test/fakes/openrouter.js';
import { IMAGE_MODEL, startContender } from './contenders.js';
import { peakRssBytes, resetPeak, rssBytes } from './proc.js';

export interface ImageRun {
  imageBytes: number;
  /** Image event written upstream → the request carrying the file answered by Discord. */
  ms: number;
  peakBytesAboveIdle: number;
}

/** Random pixels do not compress: a PNG of the requested size that is mostly its pixels. */
export async function noisePng(bytes: number): Promise<Buffer> {
  const side = Math.round(Math.sqrt(bytes / 3));
  const pixels = Buffer.alloc(side * side * 3);
  let state = 42;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
}

export async function runImages(runs: number): Promise<ImageRun[]> {
  const png = await noisePng(4 * 1024 * 1024);
  const url = `data:image/png;base64,${png.toString('base64')}`;
  const bot = await startContender('bot', { channels: 1, editBucket: { limit: 5, windowMs: 5000 } });
  try {
    bot.openrouter.setDefault({ steps: [{ atMs: 600 }, { images: [url] }] });
    const results: ImageRun[] = [];
    // The first run warms up the image pipeline and is not counted.
    for (let i = 0; i <= runs; i++) {
      const idle = rssBytes(bot.pid);
      resetPeak(bot.pid);
      const inter = await bot.discord.slash({ channelId: bot.channels[0]!, name: 'imagine', options: [{ name: 'prompt', type: 3, value: `[img-${i}] a field of static` }], user: { id: String(200_000_000_000_000_000n + BigInt(i)), username: `painter${i}` } });
      const upload = await bot.discord.waitFor(() => bot.discord.requests.find((r) => r.path.includes(inter.token) && r.files?.length && r.answeredAt !== undefined && r.status === 200), {
        timeoutMs: 60_000,
        what: 'the image upload',
      });
      await bot.discord.waitFor(() => /(^|\n)-# (?!🎨)/.test(inter.original()?.content ?? ''), { timeoutMs: 30_000, what: 'the final message' });
      const record = bot.upstreamFor(`img-${i}`)!;
      const sentAt = record.response.frameAt[record.response.frames.findIndex((f) => f.includes('"images"'))]!;
      if (i > 0) results.push({ imageBytes: png.length, ms: upload.answeredAt! - sentAt, peakBytesAboveIdle: peakRssBytes(bot.pid) - idle });
      if (!upload.files![0]!.data.equals(png)) throw new Error('the uploaded image is not the one the model sent');
    }
    return results;
  } finally {
    await bot.stop();
  }
}

export interface ImageBatchRun {
  images: number;
  side: number;
  /** All the images together, as PNG. */
  totalBytes: number;
  /** The last `completed` event written upstream → the request carrying the files answered by Discord. */
  ms: number;
  peakBytesAboveIdle: number;
}

/** A streaming Image API model that takes what the figure asks for. */
const BATCH_MODEL = 'bench/image-2k';

/**
 * A PNG about the size an image model sends at 2K: a gradient with 3 bits of noise per channel
 * (about 5.4 MiB at 2048×2048), different per `seed`.
 */
export async function photoLikePng(side: number, seed: number): Promise<Buffer> {
  const pixels = Buffer.alloc(side * side * 3);
  let state = 42 + seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    pixels[i] = (((i / 3 / side) & 0xff) >> 1) + (state >>> 29);
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

export async function runImageBatch(runs: number): Promise<ImageBatchRun[]> {
  const side = 2048;
  const pngs = await Promise.all([0, 1, 2, 3].map((i) => photoLikePng(side, i)));
  const partial = await sharp(pngs[0]!).resize(256).png().toBuffer();
  const bot = await startContender('bot', { channels: 1, editBucket: { limit: 5, windowMs: 5000 } });
  bot.openrouter.images.models.push({
    id: BATCH_MODEL,
    name: 'Bench: 2K image model',
    input_modalities: ['text'],
    supported_parameters: { n: { type: 'range', min: 1, max: 4 }, resolution: { type: 'enum', values: ['1K', '2K'] } },
    supports_streaming: true,
    endpoints: [{ provider_name: 'Bench', provider_slug: 'bench', provider_tag: null, pricing: [{ billable: 'output_image', unit: 'image', cost_usd: 0.04 }] }],
  });
  try {
    const results: ImageBatchRun[] = [];
    // The first run warms up the image pipeline and is not counted.
    for (let i = 0; i <= runs; i++) {
      const arrived = new Gate(`batch-${i}`);
      bot.openrouter.images.reply({ steps: [{ partial }, { gate: arrived }, ...pngs.map((image) => ({ image }))] });
      const inter = await bot.discord.slash({
        channelId: bot.channels[0]!,
        name: 'imagine',
        options: [
          { name: 'prompt', type: 3, value: `[batch-${i}] four lighthouses` },
          { name: 'model', type: 3, value: BATCH_MODEL },
          { name: 'count', type: 4, value: 4 },
          { name: 'resolution', type: 3, value: '2K' },
        ],
        user: { id: String(300_000_000_000_000_000n + BigInt(i)), username: `batch${i}` },
      });
      await arrived.reached;
      const idle = rssBytes(bot.pid);
      resetPeak(bot.pid);
      arrived.open();
      const upload = await bot.discord.waitFor(() => bot.discord.requests.find((r) => r.path.includes(inter.token) && r.files?.length === 4 && r.answeredAt !== undefined && r.status === 200), {
        timeoutMs: 60_000,
        what: 'the upload of four images',
      });
      const peak = peakRssBytes(bot.pid);
      const frames = bot.openrouter.images.records().at(-1)!.response;
      const lastCompleted = frames.frameAt[frames.frames.findLastIndex((f) => f.includes('"image_generation.completed"'))]!;
      if (i > 0) results.push({ images: pngs.length, side, totalBytes: pngs.reduce((n, p) => n + p.length, 0), ms: upload.answeredAt! - lastCompleted, peakBytesAboveIdle: peak - idle });
      if (!upload.files!.every((f, k) => f.data.equals(pngs[k]!))) throw new Error('the uploaded images are not the ones the model sent');
      await bot.discord.waitFor(() => /(^|\n)-# (?!🎨)/.test(inter.original()?.content ?? ''), { timeoutMs: 30_000, what: 'the final message' });
    }
    return results;
  } finally {
    await bot.stop();
  }
}
