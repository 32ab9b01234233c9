/**
 * Figure 5: an image of about 4 MiB from upstream (in one SSE event, as OpenRouter sends it) to
 * the finished upload on Discord: time, and the bot's peak memory above idle while doing it.
 */
import sharp from 'sharp';
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
