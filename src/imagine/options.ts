import type { ModelInfo } from '../openrouter/models.js';
import type { Capability, ImageModelInfo } from '../openrouter/image-models.js';
import { UserError } from '../user-error.js';

export const RESOLUTIONS = ['512', '1K', '2K', '4K'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export const QUALITIES = ['low', 'medium', 'high'] as const;
export type Quality = (typeof QUALITIES)[number];
/** Candidates per /imagine: a grid's worth, like Midjourney's four. */
export const MAX_COUNT = 4;

/** Every aspect ratio the Image API names (`@openrouter/sdk`'s ImageGenerationRequestAspectRatio). */
export const IMAGE_API_ASPECT_RATIOS = [
  '1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9', '9:21', '1:2', '2:1', '1:4', '4:1', '1:8', '8:1',
  '2.35:1', '5:2', '9:19.5', '19.5:9', '9:20', '20:9', 'auto',
];
/** The ratios chat image models take in `image_config.aspect_ratio` (OpenRouter's image guide). */
export const CHAT_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
/** Chat's `image_config.image_size` (documented for Gemini models; others ignore it). */
const CHAT_IMAGE_SIZES: readonly string[] = ['1K', '2K', '4K'];

/** What /imagine was asked for, beyond the prompt and the model. */
export interface ImagineOptions {
  count: number;
  seed?: number | undefined;
  resolution?: Resolution | undefined;
  quality?: Quality | undefined;
  transparent?: boolean | undefined;
  aspectRatio?: string | undefined;
  /** The request carries images to start from. */
  withImages?: boolean | undefined;
}

const code = (s: string) => `\`${s}\``;

/** A typed aspect ratio, checked against every ratio OpenRouter names. */
export function parseAspectRatio(raw: string): string {
  const ratio = raw.trim().toLowerCase().replace(/\s+/g, '').replace(/[x/]/g, ':');
  if (!IMAGE_API_ASPECT_RATIOS.includes(ratio)) {
    throw new UserError(`\`aspect_ratio\` must be one of ${IMAGE_API_ASPECT_RATIOS.map(code).join(', ')}; you gave ${code(raw.slice(0, 20))}.`);
  }
  return ratio;
}

/** The fields of an Image API request that come from the options (snake_case as the SDK names them in camelCase). */
export interface ImageApiFields {
  n?: number;
  seed?: number;
  resolution?: Resolution;
  quality?: Quality;
  background?: 'transparent';
  outputFormat?: 'png' | 'webp';
  aspectRatio?: string;
}

export interface ImageApiPlan {
  fields: ImageApiFields;
  /** The seed sent, so the footer can show it. */
  seed: number | undefined;
  /** The channel's seed setting, left out because the model doesn't take it. */
  ignored: string[];
}

function describeCapability(name: string, cap: Capability): string {
  if (cap.type === 'enum') return `${name} (${cap.values.join(', ')})`;
  if (cap.type === 'range') return `${name} ${cap.min}–${cap.max}`;
  return name;
}

/** What an Image API model takes, in /imagine's option names. */
export function imageApiSupport(model: ImageModelInfo): string {
  const p = model.parameters;
  const parts: string[] = [];
  if (p.n) parts.push(describeCapability('count', p.n));
  if (p.seed) parts.push('seed');
  if (p.resolution) parts.push(describeCapability('resolution', p.resolution));
  if (p.quality) parts.push(describeCapability('quality', p.quality));
  if (offers(p.background, 'transparent')) parts.push('transparent');
  if (p.aspect_ratio) parts.push(describeCapability('aspect_ratio', p.aspect_ratio));
  if (model.input.includes('image')) parts.push('image');
  return parts.length ? parts.join(', ') : 'only a prompt';
}

/** What a chat image model takes, in /imagine's option names. */
export function chatSupport(model: ModelInfo | undefined): string {
  const seed = !model || model.supportedParameters.includes('seed') ? ['seed'] : [];
  const image = !model || model.input.includes('image') ? ['image'] : [];
  return [`count 1–${MAX_COUNT}`, ...seed, `resolution (${CHAT_IMAGE_SIZES.join(', ')})`, `aspect_ratio (${CHAT_ASPECT_RATIOS.join(', ')})`, ...image].join(', ');
}

function offers(cap: Capability | undefined, value: string): boolean {
  return cap !== undefined && (cap.type !== 'enum' || cap.values.includes(value));
}

function inRange(cap: Capability | undefined, n: number): boolean {
  return cap !== undefined && (cap.type !== 'range' || (n >= cap.min && n <= cap.max));
}

/** `subject` is who doesn't take them: a model id in code, or a phrase. */
function refuse(subject: string, problems: string[], support: string): never {
  throw new UserError(`${subject} doesn’t take ${problems.join(', ')}. It takes: ${support}.`);
}

/**
 * The Image API fields for these options, checked against the model's `supported_parameters` so
 * that nothing it would refuse is sent (and paid for). With no model entry (the list unreachable)
 * everything asked is sent and OpenRouter decides. A model that takes a seed always gets one
 * (the one asked for, the channel's, or a new random one), so that every image can be made again.
 */
export function imageApiPlan(options: ImagineOptions, model: ImageModelInfo | undefined, channelSeed: number | undefined, randomSeed: () => number): ImageApiPlan {
  const p = model?.parameters;
  const known = (field: string) => !p || p[field] !== undefined;
  const problems: string[] = [];
  if (options.count > 1 && p && !inRange(p.n, options.count)) problems.push(`count ${options.count}`);
  if (options.seed !== undefined && !known('seed')) problems.push('seed');
  if (options.resolution && p && !offers(p.resolution, options.resolution)) problems.push(`resolution ${options.resolution}`);
  if (options.quality && p && !offers(p.quality, options.quality)) problems.push(`quality ${options.quality}`);
  if (options.transparent && p && !offers(p.background, 'transparent')) problems.push('transparent');
  if (options.aspectRatio && p && !offers(p.aspect_ratio, options.aspectRatio)) problems.push(`aspect_ratio ${options.aspectRatio}`);
  if (options.withImages && model && !model.input.includes('image')) problems.push('an image to start from');
  // Transparency needs a format with alpha; a model that names its formats must offer one.
  const format = !options.transparent || !p?.output_format ? undefined : offers(p.output_format, 'png') ? 'png' : offers(p.output_format, 'webp') ? 'webp' : null;
  if (format === null) problems.push('transparent (none of its formats has transparency)');
  if (problems.length && model) refuse(code(model.id), problems, imageApiSupport(model));

  const takesSeed = known('seed');
  const seed = takesSeed ? (options.seed ?? channelSeed ?? (p ? randomSeed() : undefined)) : undefined;
  return {
    fields: {
      ...(options.count > 1 ? { n: options.count } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(options.resolution ? { resolution: options.resolution } : {}),
      ...(options.quality ? { quality: options.quality } : {}),
      ...(options.transparent ? { background: 'transparent' as const, ...(format ? { outputFormat: format } : {}) } : {}),
      ...(options.aspectRatio ? { aspectRatio: options.aspectRatio } : {}),
    },
    seed,
    ignored: !takesSeed && channelSeed !== undefined ? ['seed'] : [],
  };
}

/** The options asked for that chat completions have no field for, whatever the model. */
export function chatCannotTake(options: ImagineOptions): string[] {
  const problems: string[] = [];
  if (options.quality) problems.push('quality');
  if (options.transparent) problems.push('transparent');
  if (options.resolution && !CHAT_IMAGE_SIZES.includes(options.resolution)) problems.push(`resolution ${options.resolution}`);
  if (options.aspectRatio && !CHAT_ASPECT_RATIOS.includes(options.aspectRatio)) problems.push(`aspect_ratio ${options.aspectRatio}`);
  return problems;
}

export interface ChatImagePlan {
  /** One seed per request (`count` requests); undefined where none is sent. */
  seeds: (number | undefined)[];
  imageConfig?: { aspect_ratio?: string; image_size?: string };
}

/**
 * The chat path's requests for these options: `count` requests (chat image models make one image
 * each), each with its own seed where the model takes one, so the candidates differ and each can
 * be made again. Options chat completions have no field for are refused.
 */
export function chatImagePlan(options: ImagineOptions, model: ModelInfo | undefined, channelSeed: number | undefined, randomSeed: () => number): ChatImagePlan {
  const problems = chatCannotTake(options);
  const takesSeed = !model || model.supportedParameters.includes('seed');
  if (options.seed !== undefined && !takesSeed) problems.push('seed');
  if (problems.length) refuse(model ? `${code(model.id)} (a chat model)` : 'A chat image model', problems, chatSupport(model));

  const base = takesSeed ? (options.seed ?? channelSeed ?? (model ? randomSeed() : undefined)) : undefined;
  const imageConfig = {
    ...(options.aspectRatio ? { aspect_ratio: options.aspectRatio } : {}),
    ...(options.resolution ? { image_size: options.resolution } : {}),
  };
  return {
    seeds: Array.from({ length: options.count }, (_, i) => (base === undefined ? undefined : base + i)),
    ...(Object.keys(imageConfig).length ? { imageConfig } : {}),
  };
}

/** The ratios to offer for a model: its own, chat's for chat models, every ratio when unknown. */
export function aspectRatiosFor(route: { kind: 'chat' } | { kind: 'image-api'; model: ImageModelInfo | undefined }): string[] {
  if (route.kind === 'chat') return CHAT_ASPECT_RATIOS;
  const cap = route.model?.parameters.aspect_ratio;
  if (!route.model) return IMAGE_API_ASPECT_RATIOS;
  if (!cap) return [];
  return cap.type === 'enum' ? cap.values : IMAGE_API_ASPECT_RATIOS;
}
