import { reasoningButton } from '../components/reasoning.js';
import { stopButton } from '../components/stop.js';
import type { BotContext } from './context.js';
import { runTurn, turnModel, type TurnInput, type TurnResult } from './conversation/conversation.js';
import { IMAGE_TOKENS_ESTIMATE } from './conversation/messages.js';
import { estimateTokens } from './conversation/turns.js';
import { worstCost } from './costs/estimate.js';
import type { Place } from './place.js';
import { admit, type Billed, type RequestFacts } from './preconditions.js';

export type AnswerInput = Omit<TurnInput, 'signal' | 'controls' | 'finalControls'> & {
  /** Where it was asked: whose budgets and roles apply. */
  place: Place;
};

/**
 * Streams a turn with a Stop button under it (only the asker or a moderator can press it), once
 * every precondition lets it start (the key's limit, the asker's rate limit and concurrency cap,
 * the budgets); the finished answer gets its buttons, and what it cost goes into the ledger.
 * `place`, run once admitted, may move the answer elsewhere (into a thread it starts).
 */
export async function runAnswer(ctx: BotContext, input: AnswerInput, place?: (input: AnswerInput) => Promise<AnswerInput>): Promise<void> {
  const facts = await factsOf(ctx, input);
  const admission = await admit(ctx.preconditions, facts);
  if (!admission.ok) {
    ctx.logger.info(admission.details, admission.log);
    await input.surface.post({ content: admission.message });
    return;
  }
  const run = ctx.answers.start(input.author.id);
  let result: TurnResult | undefined;
  try {
    const placed = place ? await place(input) : input;
    result = await runTurn(ctx, { ...placed, signal: run.signal, controls: stopButton(run.id), finalControls: (r) => answerButtons(ctx, r) });
  } finally {
    run.done();
    await admission.finish(result && billedOf(result));
  }
}

async function factsOf(ctx: BotContext, input: AnswerInput): Promise<RequestFacts> {
  const kind = input.mode ?? 'chat';
  const model = turnModel(input.settings, kind, ctx.config);
  return {
    userId: input.author.id,
    guildId: input.place.guildId,
    channelId: input.channelId,
    roleIds: input.place.roleIds,
    kind,
    model,
    worstCost: worstCost(ctx.config, await ctx.catalog.get(model), input),
    at: ctx.clock.now(),
  };
}

function billedOf({ outcome, modelId, promptTokens }: TurnResult): Billed {
  return {
    model: outcome.model ?? modelId,
    usage: outcome.usage,
    generationId: outcome.generationId,
    estimate: { promptTokens, completionTokens: estimateTokens(outcome.text + outcome.reasoning) + outcome.images.length * IMAGE_TOKENS_ESTIMATE },
  };
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
