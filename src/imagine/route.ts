import { rankModels } from '../openrouter/catalogue.js';
import type { ImageModelInfo } from '../openrouter/image-models.js';
import type { ModelInfo } from '../openrouter/models.js';
import { UserError } from '../user-error.js';
import { chatCannotTake, type ImagineOptions } from './options.js';

/**
 * Which API makes the images. A chat model that writes text and draws stays on chat completions:
 * it sees the conversation, which is what makes "reply to the image and say make it winter" work.
 * Image-only models go to the Image API, which takes several images, seeds and sizes.
 */
export type ImageRoute = { kind: 'chat'; model: ModelInfo | undefined } | { kind: 'image-api'; model: ImageModelInfo | undefined };

/**
 * Decides by which list the model is in; an empty list is one that couldn't be fetched. A model
 * in neither list goes where the unreachable list would have said, so the request itself tells
 * whether it exists. When neither list answered, what was asked decides: an option only the Image
 * API has a field for (quality, transparent, …) goes there; anything else to chat, as before there
 * was an Image API, since both paths take a prompt, a seed, images and a count, and the default
 * models are chat models.
 */
export function routeImageModel(id: string, chatModels: readonly ModelInfo[], imageModels: readonly ImageModelInfo[], asked?: ImagineOptions): ImageRoute {
  const chat = chatModels.find((m) => m.id === id);
  const image = imageModels.find((m) => m.id === id);
  if (chat?.output.includes('image') && chat.output.includes('text')) return { kind: 'chat', model: chat };
  if (image) return { kind: 'image-api', model: image };
  if (chat?.output.includes('image')) return { kind: 'chat', model: chat };
  if (chat) throw new UserError(`\`${id}\` can’t make images. Pick one from the \`model\` option’s list.`);
  if (chatModels.length > 0 && imageModels.length === 0) return { kind: 'image-api', model: undefined };
  if (chatModels.length === 0 && imageModels.length === 0 && asked && chatCannotTake(asked).length) return { kind: 'image-api', model: undefined };
  if (chatModels.length === 0) return { kind: 'chat', model: undefined };
  throw new UserError(`There is no image model \`${id}\` on OpenRouter. Pick one from the \`model\` option’s list.`);
}

export interface ModelChoice {
  name: string;
  value: string;
}

const KIND_LABEL = { chat: ' · chat', 'image-api': ' · image API' } as const;

/** Autocomplete choices from both kinds of image model, each marked with its kind (Discord: 25, names ≤ 100). */
export function imageModelChoices(chatModels: readonly ModelInfo[], imageModels: readonly ImageModelInfo[], typed: string): ModelChoice[] {
  const drawing = chatModels.filter((m) => m.output.includes('image'));
  const all = [...drawing, ...imageModels.filter((m) => !drawing.some((c) => c.id === m.id))];
  return rankModels(all, typed).map((m) => {
    const label = KIND_LABEL[routeImageModel(m.id, chatModels, imageModels).kind];
    return { name: `${`${m.name} (${m.id})`.slice(0, 100 - label.length)}${label}`, value: m.id.slice(0, 100) };
  });
}
