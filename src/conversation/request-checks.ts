import type { IncomingAttachment, ReadAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import type { ModelCatalog, ModelInfo } from '../openrouter/models.js';
import { UserError } from '../user-error.js';

/** The operator's caps on one request, checked before anything is downloaded or spent. */
export function checkCaps(config: Config, input: { prompt: string; attachments: IncomingAttachment[] }): void {
  if (input.prompt.length > config.maxPromptChars) {
    throw new UserError(`Your message is ${input.prompt.length.toLocaleString('en')} characters; the limit is ${config.maxPromptChars.toLocaleString('en')}. Shorten it, or attach it as a text file.`);
  }
  if (input.attachments.length > config.maxAttachments) {
    throw new UserError(`That’s ${input.attachments.length} files; I take up to ${config.maxAttachments} at a time.`);
  }
}

/** The model's entry in the catalogue; undefined when the catalogue is unreachable. */
export async function resolveModel(catalog: ModelCatalog, id: string): Promise<ModelInfo | undefined> {
  const models = await catalog.list();
  const model = models.find((m) => m.id === id);
  // With no list (OpenRouter's catalogue unreachable) let the request itself decide.
  if (!model && models.length > 0) {
    throw new UserError(`There is no model \`${id}\` on OpenRouter. Pick one from the \`model\` option’s list.`);
  }
  return model;
}

export function checkModelAccepts(model: ModelInfo | undefined, attachments: ReadAttachment[]): void {
  if (!model) return;
  if (attachments.some((a) => a.kind === 'image') && !model.input.includes('image')) {
    throw new UserError(`\`${model.id}\` can’t see images. Pick a model that takes image input, or leave the image out.`);
  }
}
