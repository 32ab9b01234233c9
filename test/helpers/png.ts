import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/**
 * A PNG of a few hundred bytes whose header declares `width` × `height` pixels: cheap to send,
 * ruinous to decode. Its IHDR is rewritten, with a valid checksum, over a real 1 × 1 image.
 */
export async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: 'white' } }).png().toBuffer());
  // Signature (8) + IHDR length (4), then "IHDR" and its data: width, height, … and the CRC of both.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}
