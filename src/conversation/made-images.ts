import type { OutgoingFile } from '../discord/surface.js';
import { dimensions, extensionFor, fitUnderLimit, isSvg, renderSvg, sniffImage, type ImageData } from '../images.js';

export interface MadeImage {
  /** Which of the images handed in this is. */
  index: number;
  /** The file people see (for SVG, its PNG rendering). */
  file: OutgoingFile;
  /** The image as the model sent it (SVG: the rendering), for the conversation's memory. */
  bytes: Buffer;
  mime: string;
  width: number;
  height: number;
}

export interface MadeImages {
  files: OutgoingFile[];
  /** One per image made, in order; an image that could not be shown has none. */
  originals: MadeImage[];
  notes: string[];
}

/** Discord's per-file limit where nothing says otherwise. */
const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;
/** Discord refuses a message whose files together pass this (413), whatever each file's own limit. */
export const REQUEST_LIMIT_BYTES = 25 * 1024 * 1024;
/** Room left in a message for the JSON payload and the multipart framing. */
const REQUEST_OVERHEAD_BYTES = 256 * 1024;

/**
 * Byte limits for files sent together: each under `cap`, all together under `budget`. Small files
 * keep their size; the large ones share what is left equally.
 */
export function shareBudget(sizes: readonly number[], budget: number, cap: number): number[] {
  const limits = new Array<number>(sizes.length);
  const order = sizes.map((size, i) => ({ size, i })).sort((a, b) => a.size - b.size);
  let left = budget;
  for (const [k, { size, i }] of order.entries()) {
    const share = Math.min(cap, Math.floor(left / (order.length - k)));
    limits[i] = Math.min(size, share);
    left -= limits[i]!;
  }
  return limits;
}

interface Pending {
  index: number;
  /** The files for this image: the image itself, or the SVG and its PNG rendering. */
  files: { image: ImageData; vector: boolean }[];
  shown: ImageData;
}

/**
 * The model's images as files Discord will take in one message: each under the upload limit and
 * all together under the request limit, re-encoded or scaled down when too large. An SVG comes
 * with a PNG rendering, since Discord shows no preview of SVG. `undefined` stands for an image
 * that came back in a form the bot can't read.
 */
export async function prepareImages(images: readonly (ImageData | undefined)[], uploadLimit = DEFAULT_UPLOAD_LIMIT): Promise<MadeImages> {
  const made: MadeImages = { files: [], originals: [], notes: [] };
  const pending: Pending[] = [];
  for (const [i, image] of images.entries()) {
    const unreadable = () => made.notes.push(`⚠️ Image ${i + 1} came back in a form the bot can’t read, so it is missing here.`);
    if (!image) {
      unreadable();
      continue;
    }
    if (isSvg(image.bytes)) {
      try {
        const png = await renderSvg(image.bytes);
        pending.push({ index: i, files: [{ image: { bytes: image.bytes, mime: 'image/svg+xml' }, vector: true }, { image: png, vector: false }], shown: png });
      } catch {
        unreadable();
      }
      continue;
    }
    const mime = sniffImage(image.bytes);
    if (!mime) {
      unreadable();
      continue;
    }
    const raster = { bytes: image.bytes, mime };
    pending.push({ index: i, files: [{ image: raster, vector: false }], shown: raster });
  }

  const all = pending.flatMap((p) => p.files);
  const limits = shareBudget(
    all.map((f) => f.image.bytes.length),
    Math.max(REQUEST_LIMIT_BYTES, uploadLimit) - REQUEST_OVERHEAD_BYTES,
    uploadLimit,
  );
  let k = 0;
  for (const p of pending) {
    const n = p.index + 1;
    for (const f of p.files) {
      const limit = limits[k++]!;
      if (f.vector) {
        // An SVG can't be scaled down as a picture; its PNG rendering still shows it.
        if (f.image.bytes.length <= limit) made.files.push({ name: `image-${n}.svg`, data: f.image.bytes });
        else made.notes.push(`ℹ️ Image ${n}’s SVG file is too large to attach; its PNG rendering is here.`);
        continue;
      }
      try {
        const fitted = await fitUnderLimit(f.image, limit);
        const file = { name: `image-${n}.${extensionFor(fitted.mime)}`, data: fitted.bytes };
        made.files.push(file);
        const { width, height } = await dimensions(p.shown.bytes);
        made.originals.push({ index: p.index, file, bytes: p.shown.bytes, mime: p.shown.mime, width, height });
        if (fitted.change) made.notes.push(`ℹ️ Image ${n} was ${fitted.change}.`);
      } catch {
        made.notes.push(`⚠️ Image ${n} could not be made small enough for Discord’s upload limit, so it is missing here.`);
      }
    }
  }
  return made;
}
