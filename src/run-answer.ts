import { answerActionRow, type AnswerAction } from '../components/answer-actions.js';
import { imageActionRows, type ImageAction } from '../components/image-actions.js';
import { answered, type MessageRef } from '../components/answered.js';
import { reasoningButton } from '../components/reasoning.js';
import { stopButton } from '../components/stop.js';
import type { BotContext } from './context.js';
import { runTurn, type FinalControls, type TurnInput, type TurnResult } from './conversation/conversation.js';
import type { ReplyTarget } from './conversation/reply.js';
import type { PostedMessage } from './discord/surface.js';
import { explainRefusal } from './user-limiter.js';

export type AnswerInput = Omit<TurnInput, 'signal' | 'controls' | 'finalControls'> & {
  /** The server the answer is in (null in a DM): for links to its messages. */
  guildId: string | null;
};

export interface AnswerOptions {
  /** Run once admitted: may move the answer elsewhere (into a thread it starts). */
  place?: (input: AnswerInput) => Promise<AnswerInput>;
  /** Messages of earlier versions or parts of this answer, which its Delete button removes too. */
  priorMessages?: MessageRef[];
}

/**
 * Runs work for a user once their rate limit and concurrency cap let it start, with a Stop button
 * under it (only the asker or a moderator can press it); otherwise says when they can try again
 * and resolves with undefined.
 */
export async function runAdmitted<T>(ctx: BotContext, input: ReplyTarget, run: (signal: AbortSignal, controls: object[]) => Promise<T>): Promise<T | undefined> {
  const admission = ctx.limiter.admit(input.author.id);
  if (!admission.ok) {
    ctx.logger.info({ user: input.author.id, channel: input.channelId, reason: admission.reason }, 'request refused by the user limits');
    await input.surface.post({ content: explainRefusal(admission) });
    return undefined;
  }
  const running = ctx.answers.start(input.author.id);
  try {
    return await run(running.signal, stopButton(running.id));
  } finally {
    running.done();
    admission.release();
  }
}

/**
 * Streams a turn once admitted; the finished answer gets its buttons. Resolves with the messages
 * the answer took (none when it was refused).
 */
export async function runAnswer(ctx: BotContext, input: AnswerInput, options: AnswerOptions = {}): Promise<PostedMessage[]> {
  const messages = await runAdmitted(ctx, input, async (signal, controls) => {
    const placed = options.place ? await options.place(input) : input;
    return runTurn(ctx, { ...placed, signal, controls, finalControls: (result) => answerButtons(ctx, placed, result, options.priorMessages ?? []) });
  });
  return messages ?? [];
}

/**
 * The rows under a finished answer (and under the images of one that drew), and, once it has
 * landed, what their buttons need kept.
 */
async function answerButtons(ctx: BotContext, input: AnswerInput, { outcome, modelId, showReasoning, exchange, images }: TurnResult, prior: MessageRef[]): Promise<FinalControls> {
  const reasoning = showReasoning && outcome.reasoning.trim() ? await ctx.reasoning.save({ text: outcome.reasoning, model: outcome.model ?? modelId, thinkingMs: outcome.thinkingMs }) : undefined;
  const extra = reasoning ? [reasoningButton(reasoning)] : [];
  // Without a stored exchange there is nothing for Regenerate, Continue or Delete to work on.
  if (!exchange) return { components: extra.length ? [{ type: 1, components: extra }] : [] };
  const actionId = ctx.actions.newId();
  const imageActionId = ctx.actions.newId();
  const canContinue = outcome.finishReason === 'length';
  return {
    components: [answerActionRow(actionId, { canContinue, extra }), ...(images.length ? imageActionRows(imageActionId, { images: images.length, underAnswer: true }) : [])],
    shown: async (messages) => {
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
          seed: undefined,
        };
        await ctx.actions.save(imageActionId, input.author.id, drew);
      }
      const action: AnswerAction = { ...answered(input, exchange, refs), exchange, canContinue };
      return ctx.actions.save(actionId, input.author.id, action);
    },
  };
}
