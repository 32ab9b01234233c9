import { reasoningButton } from '../components/reasoning.js';
import { stopButton } from '../components/stop.js';
import type { BotContext } from './context.js';
import { runTurn, type TurnInput, type TurnResult } from './conversation/conversation.js';
import type { ReplyTarget } from './conversation/reply.js';
import { explainRefusal } from './user-limiter.js';

export type AnswerInput = Omit<TurnInput, 'signal' | 'controls' | 'finalControls'>;

/**
 * Runs work for a user once their rate limit and concurrency cap let it start, with a Stop button
 * under it (only the asker or a moderator can press it); otherwise says when they can try again.
 */
export async function runAdmitted(ctx: BotContext, input: ReplyTarget, run: (signal: AbortSignal, controls: object[]) => Promise<void>): Promise<void> {
  const admission = ctx.limiter.admit(input.author.id);
  if (!admission.ok) {
    ctx.logger.info({ user: input.author.id, channel: input.channelId, reason: admission.reason }, 'request refused by the user limits');
    await input.surface.post({ content: explainRefusal(admission) });
    return;
  }
  const running = ctx.answers.start(input.author.id);
  try {
    await run(running.signal, stopButton(running.id));
  } finally {
    running.done();
    admission.release();
  }
}

/**
 * Streams a turn once admitted; the finished answer gets its buttons. `place`, run once admitted,
 * may move the answer elsewhere (into a thread it starts).
 */
export async function runAnswer(ctx: BotContext, input: AnswerInput, place?: (input: AnswerInput) => Promise<AnswerInput>): Promise<void> {
  await runAdmitted(ctx, input, async (signal, controls) => {
    const placed = place ? await place(input) : input;
    await runTurn(ctx, { ...placed, signal, controls, finalControls: (result) => answerButtons(ctx, result) });
  });
}

/** The row under a finished answer. */
async function answerButtons(ctx: BotContext, { outcome, modelId, showReasoning }: TurnResult): Promise<object[]> {
  const buttons: object[] = [];
  if (showReasoning && outcome.reasoning.trim()) {
    const id = await ctx.reasoning.save({ text: outcome.reasoning, model: outcome.model ?? modelId, thinkingMs: outcome.thinkingMs });
    buttons.push(reasoningButton(id));
  }
  return buttons.length ? [{ type: 1, components: buttons }] : [];
}
