import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { classify, readAttachment, type AttachmentPolicy } from '../../src/attachments.js';
import { sniffImage } from '../../src/images.js';
import { UserError } from '../../src/user-error.js';
import { pngDeclaring } from '../helpers/png.js';

const PNG = await sharp({ create: { width: 3, height: 2, channels: 3, background: 'red' } }).png().toBuffer();
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);

function policy(body: Uint8Array | undefined, extra: Partial<AttachmentPolicy> = {}) {
  const fetched: string[] = [];
  const p: AttachmentPolicy = {
    maxBytes: 1024,
    allowedHosts: new Set(['cdn.discordapp.com']),
    fetch: (async (url: URL) => {
      fetched.push(String(url));
      if (!body) return new Response('gone', { status: 404 });
      return new Response(new Uint8Array(body));
    }) as typeof fetch,
    ...extra,
  };
  return { policy: p, fetched };
}

const att = (name: string, contentType: string | null, size = 10, url = `https://cdn.discordapp.com/attachments/1/2/${name}`) => ({ name, contentType, size, url });

describe('classify', () => {
  it('recognises images, PDFs and text by type or name', () => {
    expect(classify({ name: 'a.png', contentType: 'image/png' })).toBe('image');
    expect(classify({ name: 'a', contentType: 'image/jpeg' })).toBe('image');
    expect(classify({ name: 'a.webp', contentType: null })).toBe('image');
    expect(classify({ name: 'doc.pdf', contentType: 'application/pdf' })).toBe('pdf');
    expect(classify({ name: 'notes.md', contentType: null })).toBe('text');
    expect(classify({ name: 'x.json', contentType: 'application/json; charset=utf-8' })).toBe('text');
    // Discord labels TypeScript files as MPEG transport streams; the name wins, the UTF-8 check guards.
    expect(classify({ name: 'main.ts', contentType: 'video/mp2t' })).toBe('text');
    expect(classify({ name: 'song.mp3', contentType: 'audio/mpeg' })).toBeUndefined();
    expect(classify({ name: 'pic.bmp', contentType: 'image/bmp' })).toBeUndefined();
  });

  it('sniffs image formats from bytes', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(JPEG)).toBe('image/jpeg');
    expect(sniffImage(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImage(Buffer.from('hello'))).toBeUndefined();
  });
});

describe('readAttachment', () => {
  it('sends images as base64 data URLs of their real type, never the Discord link', async () => {
    const { policy: p } = policy(PNG);
    const read = await readAttachment(att('cat.jpg', 'image/jpeg'), p);
    expect(read.part).toEqual({ type: 'image_url', imageUrl: { url: `data:image/png;base64,${PNG.toString('base64')}` } });
    expect(read.summary).toBe('[image: cat.jpg]');
    expect(JSON.stringify(read)).not.toContain('cdn.discordapp.com');
  });

  it('scales a very large image down before sending it, and refuses a damaged one', async () => {
    const big = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: 'blue' } }).png().toBuffer();
    const read = await readAttachment(att('wide.png', 'image/png', big.length), policy(big, { maxBytes: 10_000_000 }).policy);
    expect(read.image!.mime).toBe('image/jpeg');
    expect(await sharp(read.image!.bytes).metadata()).toMatchObject({ width: 2048, height: 683 });
    const damaged = Buffer.concat([PNG.subarray(0, 20), Buffer.alloc(50)]);
    await expect(readAttachment(att('broken.png', 'image/png'), policy(damaged).policy)).rejects.toThrow(/could not be decoded/);
  });

  it('refuses an image with too many pixels from its header, saying its size and the limit', async () => {
    const bomb = await pngDeclaring(30_000, 30_000);
    const refused = readAttachment(att('bomb.png', 'image/png', bomb.length), policy(bomb).policy);
    await expect(refused).rejects.toThrow(UserError);
    await expect(refused).rejects.toThrow(/^\*\*bomb\.png\*\* is 30,000 × 30,000 pixels; the limit is 100 megapixels \(10,000 × 10,000, say\)\. Scale it down/);
    // Just under the limit in pixels is not refused for its size (this one is merely damaged).
    await expect(readAttachment(att('tall.png', 'image/png'), policy(await pngDeclaring(10_000, 10_000)).policy)).rejects.toThrow(/could not be decoded/);
  });

  it('sends text files as text and PDFs as file parts', async () => {
    const text = await readAttachment(att('notes.txt', 'text/plain'), policy(Buffer.from('line one\nline two')).policy);
    expect(text.part).toEqual({ type: 'text', text: 'File notes.txt:\n```\nline one\nline two\n```' });
    const pdf = await readAttachment(att('paper.pdf', 'application/pdf'), policy(Buffer.from('%PDF-1.4 ...')).policy);
    expect(pdf.part).toMatchObject({ type: 'file', file: { filename: 'paper.pdf', fileData: expect.stringMatching(/^data:application\/pdf;base64,/) } });
  });

  it('refuses an oversized file before downloading it', async () => {
    const { policy: p, fetched } = policy(PNG);
    await expect(readAttachment(att('huge.png', 'image/png', 5000), p)).rejects.toThrow(/is 0\.00 MB|limit/);
    expect(fetched).toEqual([]);
  });

  it('stops reading when the real size passes the limit whatever was declared', async () => {
    const { policy: p } = policy(Buffer.alloc(5000, 1));
    await expect(readAttachment(att('liar.txt', 'text/plain', 10), p)).rejects.toThrow(/larger than/);
  });

  it('refuses unsupported types, lying images, binary text and other hosts without a crash', async () => {
    const { policy: p, fetched } = policy(Buffer.from('not an image'));
    await expect(readAttachment(att('song.mp3', 'audio/mpeg'), p)).rejects.toThrow(/can’t read \*\*song\.mp3\*\*.*image.*PDF.*text/);
    await expect(readAttachment(att('fake.png', 'image/png'), p)).rejects.toThrow(/not a PNG, JPEG, WebP or GIF/);
    await expect(readAttachment(att('bin.txt', 'text/plain'), policy(Buffer.from([0x61, 0, 0x62])).policy)).rejects.toThrow(/binary/);
    await expect(readAttachment(att('x.png', 'image/png', 10, 'https://evil.example/x.png'), p)).rejects.toThrow(/only download attachments from Discord/);
    expect(fetched.every((u) => u.startsWith('https://cdn.discordapp.com/'))).toBe(true);
  });

  it('reports a failed download as a user error', async () => {
    const error = await readAttachment(att('gone.png', 'image/png'), policy(undefined).policy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/couldn’t download \*\*gone\.png\*\*.*404/);
  });
});
