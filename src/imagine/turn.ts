import type { ReadAttachment } from '../attachments.js';
import { keepForButtons, readAttachments, rememberExchange, type ConversationServices, type FinalControls, type RequestInput, type TurnEnd } from '../conversation/conversation.js';
import { prepareImages } from '../conversation/made-images.js';
import { TurnReply, type ReplyTarget } from '../conversation/reply.js';
import { checkCaps, checkModelAccepts } from '../conversation/request-checks.js';
import { unsupportedNote } from '../conversation/footer.js';
import { explainImageInterruption, explainInterruption } from '../openrouter/errors.js';
import { outcomeOf } from '../ops/metrics.js';
import { valuesOf } from '../settings/resolve.js';
import { UserError } from '../user-error.js';
import { drawWithChat, drawWithImageApi, type Drawn } from './draw.js';
import { chatImagePlan, imageApiPlan, type ImagineOptions } from './options.js';
import { PreviewImage } from './preview.js';
import { imageFooter, type ImageResult } from './result.js';
import { routeImageModel } from './route.js';
import { newSeed } from './seed.js';

export type ImagineInput = RequestInput &
  ReplyTarget & {
    options: ImagineOptions;
    /** The buttons under the images, given what was made. */
    finalControls?: (result: ImageResult) => Promise<FinalControls>;
  };

/**
 * One /imagine: check the request against the chosen model before anything is spent, make the
 * images on chat completions or the Image API (whichever the model belongs to), show them in one
 * message with their seed, size and cost, and remember them in the channel's conversation.
 * Resolves with the messages the reply took.
 */
export async function runImagine(services: ConversationServices, input: ImagineInput): Promise<TurnEnd> {
  const { config } = services;
  const values = valuesOf(input.settings);
  const modelId = values.image_model ?? config.imageModel;
  const preview = new PreviewImage(
    () => {
      reply.progress.setDetail(`preview ${preview.count}`);
      reply.renderer.refresh();
    },
    (err) => reply.log.debug({ err }, 'a partial image could not be scaled for the preview'),
  );
  const reply: TurnReply = new TurnReply(services, input, { mode: 'image', modelId, showReasoning: false, preview: () => preview.current });
  const { log } = reply;
  try {
    const checked = await reply.checked(async () => {
      checkCaps(config, input);
      const [chatModels, imageModels] = await Promise.all([services.catalog.list(), services.imageCatalog.list()]);
      const route = routeImageModel(modelId, chatModels, imageModels, input.options);
      const attachments = await readAttachments(services, input.attachments, reply.signal);
      const options = { ...input.options, withImages: attachments.some((a) => a.kind === 'image') };
      if (route.kind === 'chat') {
        checkModelAccepts(route.model, attachments);
        const plan = chatImagePlan(options, route.model, values.seed, newSeed);
        return { kind: route.kind, attachments, draw: () => drawWithChat(services, reply, { ...input, modelId, values, attachments }, route.model, plan) };
      }
      if (attachments.some((a) => a.kind !== 'image')) throw new UserError('Image models take images to start from, not other files. Attach a PNG, JPEG, WebP or GIF.');
      const plan = imageApiPlan(options, route.model, values.seed, newSeed);
      return { kind: route.kind, attachments, draw: () => drawWithImageApi(services, reply, { prompt: input.prompt, modelId, attachments, userId: input.author.id }, route.model, plan, preview) };
    });
    if (!checked) return { messages: reply.renderer.messages, billed: [] };
    if (input.options.count > 1) reply.progress.setDetail(`${input.options.count} images`);
    const drawn = await checked.draw();
    if (!drawn) return { messages: reply.renderer.messages, billed: [] };
    preview.close();
    await finish(services, reply, input, { ...drawn, kind: checked.kind, attachments: checked.attachments });
    return { messages: reply.renderer.messages, billed: drawn.billed };
  } finally {
    preview.close();
    reply.dispose();
  }
}

/** The images shown, remembered and logged. */
async function finish(
  services: ConversationServices,
  reply: TurnReply,
  input: ImagineInput,
  drawn: Drawn & { kind: ImageResult['kind']; attachments: ReadAttachment[] },
): Promise<void> {
  const made = await prepareImages(drawn.images.map((i) => i.image), input.uploadLimit);
  const notices = [...drawn.notices];
  if (drawn.interruption) notices.push(drawn.kind === 'image-api' ? explainImageInterruption(drawn.interruption) : explainInterruption(drawn.interruption));
  notices.push(...made.notes);
  if (made.files.length === 0 && !drawn.interruption) {
    notices.push('⚠️ The model didn’t return an image this time. Try rephrasing the prompt, or another model.');
  } else if (drawn.images.length < input.options.count && !drawn.interruption) {
    notices.push(`ℹ️ The model made ${drawn.images.length} of the ${input.options.count} images asked for.`);
  }
  const answer = { text: drawn.text, interrupted: Boolean(drawn.interruption), model: drawn.model };
  // Memory copies of four 2K images take longer than uploading them: the images don't wait.
  const remembered = rememberExchange(services, reply.log, { ...input, attachments: drawn.attachments, incoming: input.attachments, answer, made });

  const result: ImageResult = {
    prompt: input.prompt,
    options: input.options,
    model: drawn.model,
    kind: drawn.kind,
    images: made.originals.map((o) => ({ file: o.file.name, seed: drawn.images[o.index]?.seed, width: o.width, height: o.height })),
    seed: drawn.seed,
    cost: drawn.cost,
    channelId: input.channelId,
    messageId: reply.renderer.messages.at(-1)?.id,
  };
  const notes = [unsupportedNote(drawn.ignored)].filter((n): n is string => Boolean(n));
  const controls = made.files.length ? await reply.buttons(input.finalControls && (() => input.finalControls!(result))) : { components: [] };
  const shown = await reply.show({
    footer: imageFooter(result, notes),
    files: made.files,
    components: controls.components,
    ...(notices.length ? { notice: notices.join('\n') } : {}),
  });
  const { notices: unsaved } = await keepForButtons(services, reply.log, input.channelId, remembered, (stored) => {
    result.messageId = reply.renderer.messages.at(-1)?.id;
    return shown ? controls.shown?.(reply.renderer.messages, stored.exchange) : undefined;
  });
  if (unsaved.length) await input.surface.post({ content: unsaved.join('\n') }).catch((err: unknown) => reply.log.warn({ err }, 'could not say that the exchange was not saved'));
  reply.answered(
    { outcome: outcomeOf(drawn.interruption), ttftMs: drawn.firstImageMs, cost: result.cost },
    {
      kind: result.kind,
      firstImageMs: drawn.firstImageMs === undefined ? undefined : Math.round(drawn.firstImageMs),
      cost: result.cost,
      seed: result.seed,
      images: result.images.length,
      partials: drawn.partials,
      interruption: drawn.interruption?.kind,
      shown,
      // What people asked for stays out of the logs, as in every answer's log line.
      result: { ...result, prompt: undefined, promptChars: result.prompt.length },
    },
  );
}
