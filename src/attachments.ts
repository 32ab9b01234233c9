import type { ChatContentItems } from '@openrouter/sdk/models';
import { fitForModel, MAX_INPUT_PIXELS, sha256, sniffImage, toDataUrl, TooManyPixels, type ImageData } from './images.js';
import { formatSize } from './units.js';
import { UserError } from './user-error.js';

export interface IncomingAttachment {
  name: string;
  url: string;
  /** As Discord declares it; checked before anything is downloaded. */
  size: number;
  contentType: string | null | undefined;
}

export type AttachmentKind = 'image' | 'pdf' | 'text';

export interface ReadAttachment {
  kind: AttachmentKind;
  /** What goes to the model. */
  part: ChatContentItems;
  /** What the stored conversation keeps as text: never a Discord link (they expire). */
  summary: string;
  /** For images: the bytes sent (scaled down when very large). */
  image?: ImageData;
  /** For images: SHA-256 of the bytes as downloaded, to recognise an image the bot has seen. */
  sha?: string;
}

export interface AttachmentPolicy {
  maxBytes: number;
  /** Hosts attachments may be downloaded from. */
  allowedHosts: ReadonlySet<string>;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];
const TEXT_MAX_CHARS = 200_000;

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };
const TEXT_EXTENSIONS = new Set(
  'txt md markdown csv tsv json jsonl yaml yml toml ini cfg conf log xml html htm css js mjs cjs ts tsx jsx py rb go rs java kt c h cc cpp hpp cs php sh bash zsh ps1 sql r swift lua pl dart scala ex exs erl hs ml vue svelte tex rst diff patch env gitignore dockerfile makefile'.split(' '),
);

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? name.toLowerCase() : name.slice(dot + 1).toLowerCase();
}

/** Decides from the declared type and name; the bytes are checked again after download. */
export function classify(att: Pick<IncomingAttachment, 'name' | 'contentType'>): AttachmentKind | undefined {
  const type = (att.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const ext = extension(att.name);
  if (Object.values(IMAGE_TYPES).includes(type) || (!type && ext in IMAGE_TYPES)) return 'image';
  if (type === 'application/pdf' || ext === 'pdf') return 'pdf';
  if (type.startsWith('text/') || /^application\/(json|xml|yaml|x-yaml|javascript|x-sh|sql)/.test(type) || TEXT_EXTENSIONS.has(ext)) return 'text';
  return undefined;
}

export async function download(att: IncomingAttachment, policy: AttachmentPolicy): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(att.url);
  } catch {
    throw new UserError(`I couldn’t read the link of **${att.name}**.`);
  }
  if (!policy.allowedHosts.has(url.host)) {
    throw new UserError(`I only download attachments from Discord, and **${att.name}** is not on Discord’s servers.`);
  }
  if (att.size > policy.maxBytes) {
    throw new UserError(`**${att.name}** is ${formatSize(att.size)}; the limit is ${formatSize(policy.maxBytes)}. Attach a smaller file.`);
  }
  let response: Response;
  try {
    response = await (policy.fetch ?? fetch)(url, { ...(policy.signal ? { signal: policy.signal } : {}) });
  } catch {
    throw new UserError(`I couldn’t download **${att.name}** from Discord. Try attaching it again.`);
  }
  if (!response.ok || !response.body) {
    throw new UserError(`I couldn’t download **${att.name}** from Discord (HTTP ${response.status}). Try attaching it again.`);
  }
  // The declared size can lie; stop reading as soon as the real one passes the limit.
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const part of response.body) {
      total += part.byteLength;
      if (total > policy.maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw new UserError(`**${att.name}** is larger than the ${formatSize(policy.maxBytes)} limit. Attach a smaller file.`);
      }
      parts.push(part);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`The download of **${att.name}** from Discord broke off. Try attaching it again.`);
  }
  return Buffer.concat(parts);
}

/**
 * Turns an attachment into a content part for the model: images and PDFs as bytes (Discord's
 * links are signed and expire), text files as text. Anything else is refused with a message
 * that says what is accepted.
 */
export async function readAttachment(att: IncomingAttachment, policy: AttachmentPolicy): Promise<ReadAttachment> {
  const kind = classify(att);
  if (!kind) {
    throw new UserError(
      `I can’t read **${att.name}**${att.contentType ? ` (${att.contentType})` : ''}. Attach an image (PNG, JPEG, WebP, GIF), a PDF, or a text file.`,
    );
  }
  const bytes = await download(att, policy);
  if (kind === 'image') {
    const type = sniffImage(bytes);
    if (!type) throw new UserError(`**${att.name}** is not a PNG, JPEG, WebP or GIF image, whatever its name says.`);
    let image: ImageData;
    try {
      image = await fitForModel({ bytes, mime: type });
    } catch (error) {
      if (error instanceof TooManyPixels) {
        const side = Math.floor(Math.sqrt(MAX_INPUT_PIXELS)).toLocaleString('en');
        throw new UserError(
          `**${att.name}** is ${error.width.toLocaleString('en')} × ${error.height.toLocaleString('en')} pixels; the limit is ${MAX_INPUT_PIXELS / 1e6} megapixels (${side} × ${side}, say). Scale it down and attach it again.`,
        );
      }
      throw new UserError(`**${att.name}** looks like an image but could not be decoded; it may be damaged.`);
    }
    return { kind, part: { type: 'image_url', imageUrl: { url: toDataUrl(image) } }, summary: `[image: ${att.name}]`, image, sha: sha256(bytes) };
  }
  if (kind === 'pdf') {
    if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw new UserError(`**${att.name}** is not a valid PDF.`);
    return {
      kind,
      part: { type: 'file', file: { filename: att.name, fileData: `data:application/pdf;base64,${bytes.toString('base64')}` } },
      summary: `[PDF: ${att.name}]`,
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`**${att.name}** is not UTF-8 text. Attach an image, a PDF, or a text file.`);
  }
  if (text.includes('\u0000')) throw new UserError(`**${att.name}** looks like a binary file, not text.`);
  if (text.length > TEXT_MAX_CHARS) {
    throw new UserError(`**${att.name}** has ${text.length.toLocaleString('en')} characters; the limit for text files is ${TEXT_MAX_CHARS.toLocaleString('en')}.`);
  }
  const block = `File ${att.name}:\n\`\`\`\n${text}\n\`\`\``;
  return { kind, part: { type: 'text', text: block }, summary: block };
}
