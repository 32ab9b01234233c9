import { imageActionRows, type ImageAction } from '../components/image-actions.js';
import { answered, type MessageRef } from '../components/answered.js';
import type { IncomingAttachment } from './attachments.js';
import type { BotContext } from './context.js';
import type { FinalControls, RequestInput } from './conversation/conversation.js';
import type { ReplySurface } from './discord/surface.js';
import type { ImageResult } from './imagine/result.js';
import { runImagine } from './imagine/turn.js';
import type { ImagineOptions } from './imagine/options.js';
import { runAdmitted } from './run-answer.js';
import type { PostedMessage } from './discord/surface.js';
import type { Place } from './place.js';

export type ImageRequest = RequestInput & {
  place: Place;
  surface: ReplySurface;
  options: ImagineOptions;
};

/** What of an attachment a later button needs to fetch it again (Discord's links last a day). */
const storable = (a: IncomingAttachment): IncomingAttachment => ({ name: a.name, url: a.url, size: a.size, contentType: a.contentType });

/**
 * One /imagine (or a button's new take on one) once the user's limits let it start; the images
 * get their buttons. Resolves with the messages the reply took (none when it was refused).
 */
export async function runImage(ctx: BotContext, input: ImageRequest, priorMessages: MessageRef[] = []): Promise<PostedMessage[]> {
  const messages = await runAdmitted(ctx, { ...input, kind: 'image' }, async (signal, controls) => {
    const end = await runImagine(ctx, { ...input, signal, controls, finalControls: (result) => imageButtons(ctx, input, result, priorMessages) });
    return { value: end.messages, billed: end.billed };
  });
  return messages ?? [];
}

async function imageButtons(ctx: BotContext, input: ImageRequest, result: ImageResult, prior: MessageRef[]): Promise<FinalControls> {
  const actionId = ctx.actions.newId();
  return {
    components: imageActionRows(actionId, { images: result.images.length, underAnswer: false }),
    shown: (messages, exchange) => {
      const action: ImageAction = {
        ...answered(input, exchange, [...prior, ...messages.map((m) => ({ channelId: m.channelId, id: m.id }))]),
        // The model that made these, whatever the channel's setting says later.
        settings: { ...input.settings, image_model: { value: result.model, source: { kind: 'request' } } },
        attachments: input.attachments.map(storable),
        options: result.options,
        kind: result.kind,
        images: result.images.map((i) => ({ file: i.file, ...(i.seed !== undefined ? { seed: i.seed } : {}) })),
        seed: result.seed,
      };
      return ctx.actions.save(actionId, input.author.id, action);
    },
  };
}
