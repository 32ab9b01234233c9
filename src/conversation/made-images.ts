import type { OutgoingFile } from '../discord/surface.js';
import { extensionFor, fitUnderLimit, fromDataUrl } from '../images.js';

export interface MadeImages {
  files: OutgoingFile[];
  /** The model's images as it sent them, for the conversation's memory. */
  originals: { file: OutgoingFile; bytes: Buffer; mime: string }[];
  notes: string[];
}

/** The model's images as files Discord will take: re-encoded or scaled down when too large. */
export async function prepareImages(dataUrls: string[], uploadLimit: number): Promise<MadeImages> {
  const made: MadeImages = { files: [], originals: [], notes: [] };
  for (const [i, url] of dataUrls.entries()) {
    const image = fromDataUrl(url);
    if (!image) {
      made.notes.push(`⚠️ Image ${i + 1} came back in a form the bot can’t read, so it is missing here.`);
      continue;
    }
    try {
      const fitted = await fitUnderLimit(image, uploadLimit);
      const file = { name: `image-${i + 1}.${extensionFor(fitted.mime)}`, data: fitted.bytes };
      made.files.push(file);
      made.originals.push({ file, bytes: image.bytes, mime: image.mime });
      if (fitted.change) made.notes.push(`ℹ️ Image ${i + 1} was ${fitted.change}.`);
    } catch {
      made.notes.push(`⚠️ Image ${i + 1} could not be made small enough for Discord’s upload limit, so it is missing here.`);
    }
  }
  return made;
}
