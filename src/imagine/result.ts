import { formatCost } from '../conversation/footer.js';
import type { ImagineOptions } from './options.js';

/**
 * One /imagine result: everything a later action on it needs (make it again, vary one image,
 * edit it), in one value that can be stored.
 */
export interface ImageResult {
  prompt: string;
  options: ImagineOptions;
  model: string;
  kind: 'chat' | 'image-api';
  images: { file: string; seed: number | undefined; width: number; height: number }[];
  /** The seed the request was sent with (the Image API's one for all its images). */
  seed: number | undefined;
  /** US dollars, as OpenRouter reported it. */
  cost: number | undefined;
  channelId: string;
  /** The message carrying the images. */
  messageId: string | undefined;
}

/** `seed 42`, or `seeds 42, 43, 44` when the images have seeds of their own. */
function seedPart(result: ImageResult): string | undefined {
  const own = [...new Set(result.images.flatMap((i) => (i.seed === undefined ? [] : [i.seed])))];
  if (own.length > 1) return `seeds ${own.join(', ')}`;
  const seed = own[0] ?? result.seed;
  return seed === undefined ? undefined : `seed ${seed}`;
}

/** The subtext lines under the images: model, seed, size and cost, then remarks. */
export function imageFooter(result: ImageResult, notes: readonly string[] = []): string {
  const sizes = [...new Set(result.images.map((i) => `${i.width}×${i.height}`))];
  const parts = [
    result.model,
    seedPart(result),
    sizes.length ? sizes.join(', ') : undefined,
    result.cost === undefined ? undefined : formatCost(result.cost),
  ].filter((p): p is string => p !== undefined);
  return [parts.join(' · '), ...notes].map((line) => `-# ${line}`).join('\n');
}
