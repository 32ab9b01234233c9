import { answered, type MessageRef } from '../components/answered.js';
import { answerActionRow, type AnswerAction } from '../components/answer-actions.js';
import { imageActionRows, type ImageAction } from '../components/image-actions.js';
import { reasoningButton } from '../components/reasoning.js';
import { stopButton } from '../components/stop.js';
import type { BotContext } from './context.js';
import { runTurn, turnModel, type FinalControls, type RequestInput, type TurnInput, type TurnResult } from './conversation/conversation.js';
import type { ReplyTarget } from './conversation/reply.js';
import { imageWorstCost, worstCost } from './costs/estimate.js';
import { estimateTokens } from './conversation/turns.js';
import type { ImagineOptions } from './imagine/options.js';
import { routeImageModel } from './imagine/route.js';
import type { PostedMessage } from './discord/surface.js';
import type { Place } from './place.js';
import { admit, type Billed } from './preconditions.js';

export type AnswerInput = Omit<TurnInput, 'signal' | 'controls' | 'finalControls'> & {
  /** Where it was asked: whose budgets and roles apply, and where links to its messages point. */
  place: Place;
};

export interface AnswerOptions {
  /** Run once admitted: may move the answer elsewhere (into a thread it starts). */
  place?: (input: AnswerInput) => Promise<AnswerInput>;
  /** Messages of earlier versions or parts of this answer, which its Delete button removes too. */
  priorMessages?: MessageRef[];
}

/** A request about to run: who asks what, where, and of which kind (images: with their options). */
export type Admissible = RequestInput & ReplyTarget & { place: Place; kind: 'chat' | 'image'; options?: ImagineOptions };

/**
 * The most the request can cost, for the budgets to reserve: a chat request at the model's token
 * prices (one per image on the chat path), an Image API request at its dearest endpoint's prices.
 */
async function worstCostOf(ctx: BotContext, input: Admissible, model: string): Promise<number | undefined> {
  const chatModel = await ctx.catalog.get(model);
  if (input.kind === 'chat') return worstCost(ctx.config, chatModel, input);
  const count = input.options?.count ?? 1;
  let route;
  try {
    route = routeImageModel(model, await ctx.catalog.list(), await ctx.imageCatalog.list(), input.options);
  } catch {
    // Not an image model: the request refuses itself before anything is spent.
    return undefined;
  }
  if (route.kind === 'chat') {
    const one = worstCost(ctx.config, chatModel, input);
    return one === undefined ? undefined : one * count;
  }
  return imageWorstCost(await ctx.imagePricing.endpoints(model), {
    count,
    resolution: input.options?.resolution,
    references: input.attachments.length,
    promptTokens: estimateTokens(input.prompt),
  });
}

/**
 * Runs work for a user once every precondition lets it start (the key's limit, the asker's rate
 * limit and concurrency cap, the budgets), with a Stop button under it (only the asker or a
 * moderator can press it); otherwise says why and resolves with undefined. What the work was
 * billed for goes into the ledger.
 */
export async function runAdmitted<T>(ctx: BotContext, input: Admissible, run: (signal: AbortSignal, controls: object[]) => Promise<{ value: T; billed: readonly Billed[] }>): Promise<T | undefined> {
  const model = turnModel(input.settings, input.kind, ctx.config);
  const admission = await admit(ctx.preconditions, {
    userId: input.author.id,
    guildId: input.place.guildId,
    channelId: input.channelId,
    roleIds: input.place.roleIds,
    kind: input.kind,
    model,
    worstCost: await worstCostOf(ctx, input, model),
    at: ctx.clock.now(),
  });
  if (!admission.ok) {
    ctx.logger.info(admission.details, admission.log);
    await input.surface.post({ content: admission.message });
    return undefined;
  }
  const running = ctx.answers.start(input.author.id);
  let billed: readonly Billed[] = [];
  try {
    const done = await run(running.signal, stopButton(running.id));
    billed = done.billed;
    return done.value;
  } finally {
    running.done();
    await admission.finish(billed);
  }
}

/**
 * Streams a turn once admitted; the finished answer gets its buttons. Resolves with the messages
 * the answer took (none when it was refused).
 */
export async function runAnswer(ctx: BotContext, input: AnswerInput, options: AnswerOptions = {}): Promise<PostedMessage[]> {
  const messages = await runAdmitted(ctx, { ...input, kind: 'chat' }, async (signal, controls) => {
    const placed = options.place ? await options.place(input) : input;
    const end = await runTurn(ctx, { ...placed, signal, controls, finalControls: (result) => answerButtons(ctx, placed, result, options.priorMessages ?? []) });
    return { value: end.messages, billed: end.billed };
  });
  return messages ?? [];
}

/**
 * The rows under a finished answer (and under the images of one that drew), and, once it has
 * landed, what their buttons need kept.
 */
async function answerButtons(ctx: BotContext, input: AnswerInput, result: TurnResult, prior: MessageRef[]): Promise<FinalControls> {
  const { outcome, modelId, showReasoning, images, seed } = result;
  const reasoning = showReasoning && outcome.reasoning.trim() ? await ctx.reasoning.save({ text: outcome.reasoning, model: outcome.model ?? modelId, thinkingMs: outcome.thinkingMs }) : undefined;
  const extra = reasoning ? [reasoningButton(reasoning)] : [];
  // Without a stored exchange there is nothing for Regenerate, Continue or Delete to work on.
  const unstored = extra.length ? [{ type: 1, components: extra }] : [];
  if (!result.storing) return { components: unstored };
  const actionId = ctx.actions.newId();
  const imageActionId = ctx.actions.newId();
  const canContinue = outcome.finishReason === 'length';
  return {
    components: [answerActionRow(actionId, { canContinue, drew: images.length > 0, extra }), ...(images.length ? imageActionRows(imageActionId, { images: images.length, underAnswer: true }) : [])],
    unstored,
    shown: async (messages, exchange) => {
      // Without its place in the memory there is nothing for these buttons to act on (the turn
      // shows `unstored` then).
      if (!exchange) return;
      const refs = [...prior, ...messages.map((m) => ({ channelId: m.channelId, id: m.id }))];
      if (images.length) {
        const drew: ImageAction = {
          ...answered(input, exchange, refs),
          // The model that drew them, whatever the channel's setting says later.
          settings: { ...input.settings, image_model: { value: outcome.model ?? modelId, source: { kind: 'request' } } },
          attachments: [],
          options: { count: images.length },
          kind: 'chat',
          images: images.map((file) => ({ file })),
          seed,
        };
        await ctx.actions.save(imageActionId, input.author.id, drew);
      }
      const action: AnswerAction = { ...answered(input, exchange, refs), exchange, canContinue };
      return ctx.actions.save(actionId, input.author.id, action);
    },
  };
}
