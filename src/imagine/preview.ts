import sharp from 'sharp';
import type { OutgoingFile } from '../discord/surface.js';

/** Long side of a preview: enough to see where the image is going, small enough to upload fast. */
export const PREVIEW_MAX_SIDE = 384;

/**
 * The newest partial image, scaled down to a small WebP (it keeps transparency) so that a preview
 * upload is quick and never holds the final images up for long. Scaling runs as partials arrive;
 * a partial that finishes scaling after a newer one is dropped.
 */
export class PreviewImage {
  private offered = 0;
  private newest = 0;
  private shown = 0;
  private file: OutgoingFile | undefined;
  private closed = false;

  constructor(
    /** A new preview is ready to be shown. */
    private readonly onReady: () => void,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly scale: (bytes: Buffer) => Promise<Buffer> = scalePreview,
  ) {}

  /** The preview to show now. */
  get current(): OutgoingFile | undefined {
    return this.file;
  }

  /** How many previews have been shown. */
  get count(): number {
    return this.shown;
  }

  offer(bytes: Buffer): void {
    const seq = ++this.offered;
    this.scale(bytes).then(
        (data) => {
          if (this.closed || seq < this.newest) return;
          this.newest = seq;
          this.shown++;
          this.file = { name: 'preview.webp', data, description: 'Preview while the image is being made' };
          this.onReady();
        },
        (error: unknown) => this.onError(error),
      );
  }

  /** The final images are here: nothing more is shown. */
  close(): void {
    this.closed = true;
  }
}

/** A small WebP of the image (it keeps transparency). */
export function scalePreview(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).resize({ width: PREVIEW_MAX_SIDE, height: PREVIEW_MAX_SIDE, fit: 'inside', withoutEnlargement: true }).webp({ quality: 60 }).toBuffer();
}
