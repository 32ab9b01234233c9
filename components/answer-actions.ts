import { ButtonStyle, ComponentType, MessageFlags, RequestMethod, Routes, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../src/context.js';
import { NOTHING_TO_REDO } from '../src/conversation/conversation.js';
import type { ExchangeAddress } from '../src/conversation/history.js';
import { interactionSurface } from '../src/discord/interaction-surface.js';
import { send } from '../src/discord/rest.js';
import { bucketKeys } from '../src/discord/shared-bucket.js';
import { mayActOn, NOT_YOURS } from '../src/preconditions/asker-or-moderator.js';
import { runAnswer, type AnswerInput } from '../src/run-answer.js';
import { customId, type ButtonHandler } from './component.js';
import { askedAgain, messageLink, removeAnswer, stillRemembered, type AnsweredRequest } from './answered.js';

const PREFIX = 'answer';
const VERBS = ['regenerate', 'continue', 'delete'] as const;
type Verb = (typeof VERBS)[number];
const UUID = /^[0-9a-f-]{36}$/;

/** What the buttons under an answer need: enough to ask its question again, and where it all is. */
export interface AnswerAction extends AnsweredRequest {
  exchange: ExchangeAddress;
  canContinue: boolean;
}

function button(verb: Verb, label: string, emoji: string, actionId: string, style = ButtonStyle.Secondary) {
  return { type: ComponentType.Button, style, label, emoji: { name: emoji }, custom_id: customId(PREFIX, `${verb}:${actionId}`) };
}

/** The row under a finished answer: Regenerate, Continue (only when the length limit cut it off), Delete, then `extra`. */
export function answerActionRow(actionId: string, { canContinue, extra }: { canContinue: boolean; extra: object[] }): object {
  return {
    type: ComponentType.ActionRow,
    components: [
      button('regenerate', 'Regenerate', '🔄', actionId),
      ...(canContinue ? [button('continue', 'Continue', '⏩', actionId, ButtonStyle.Primary)] : []),
      button('delete', 'Delete', '🗑️', actionId),
      ...extra,
    ],
  };
}

const privately = (interaction: ButtonInteraction, content: string) =>
  interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }).then(() => undefined);


/**
 * Asks the stored question again (Regenerate) or for the rest of the answer (Continue), as a new
 * message; the old one loses its buttons and points to the new one. The answer's messages so far
 * go with the new one's action, so its Delete removes them all.
 */
async function askAgain(interaction: ButtonInteraction, verb: 'regenerate' | 'continue', action: AnswerAction, ctx: BotContext): Promise<'used' | 'ready'> {
  await interaction.deferReply();
  const input: AnswerInput = { ...askedAgain(action), attachments: [], surface: interactionSurface(interaction, ctx.rest), revise: { kind: verb, at: action.exchange } };
  const messages = await runAnswer(ctx, input, { priorMessages: action.messages });
  // Refused by the user limits: nothing happened, the button may be pressed again later.
  if (messages.length === 0) return 'ready';
  const pointer = verb === 'regenerate' ? `-# 🔄 Regenerated: [the new answer](${messageLink(action.place.guildId, messages[0]!)})` : `-# ⏩ Continued in [the next message](${messageLink(action.place.guildId, messages[0]!)})`;
  const old = interaction.message;
  const content = old.content.length + 1 + pointer.length <= 2000 ? `${old.content}\n${pointer}` : old.content;
  // An edit of a channel message: it spends from the bucket an answer streaming there uses too.
  await ctx.rest.buckets
    .get(bucketKeys.channelEdits(old.channelId))
    .run(async () => (await send(ctx.rest.bot, RequestMethod.Patch, Routes.channelMessage(old.channelId, old.id), { body: { content, components: [], allowed_mentions: { parse: [] } } })).info)
    .catch((err: unknown) => ctx.logger.warn({ err, message: old.id }, 'could not retire the old answer’s buttons'));
  return 'used';
}

/** Removes the answer's messages and its exchange from the conversation. */
async function remove(interaction: ButtonInteraction, action: AnswerAction, ctx: BotContext): Promise<'used'> {
  await interaction.deferUpdate();
  await removeAnswer(interaction.client, ctx, action);
  return 'used';
}

const ALREADY: Record<Verb, string> = {
  regenerate: 'This answer was already regenerated; the buttons under the new one work on it.',
  continue: 'This answer was already continued; the buttons under the continuation work on it.',
  delete: 'This answer is already being deleted.',
};

/** Regenerate, Continue and Delete under a finished answer. */
export const answerActions: ButtonHandler<{ verb: Verb; id: string }> = {
  prefix: PREFIX,
  parse(data) {
    const [verb, id] = data.split(':');
    return VERBS.includes(verb as Verb) && id && UUID.test(id) ? { verb: verb as Verb, id } : undefined;
  },
  async run(interaction, { verb, id }, ctx) {
    const stored = await ctx.actions.load<AnswerAction>(id);
    if (!stored) return privately(interaction, `These buttons have expired: they work for ${Math.round(ctx.config.buttonTtlMs / 3_600_000)} h after the answer.`);
    if (!mayActOn(interaction, stored.askerId)) return privately(interaction, NOT_YOURS);
    if (verb !== 'delete' && !(await stillRemembered(ctx, stored.data))) return privately(interaction, NOTHING_TO_REDO);
    if (verb === 'continue' && !stored.data.canContinue) return privately(interaction, 'This answer wasn’t cut off: there is nothing to continue.');
    const claim = await ctx.actions.once<AnswerAction>(id, (action) => (verb === 'delete' ? remove(interaction, action.data, ctx) : askAgain(interaction, verb, action.data, ctx)));
    if (claim.ok) {
      ctx.logger.info({ action: verb, user: interaction.user.id, channel: stored.data.channelId }, 'answer button pressed');
      return;
    }
    return privately(interaction, claim.reason === 'busy' ? 'Already on it: this button is running.' : claim.reason === 'used' ? ALREADY[verb] : 'These buttons have expired.');
  },
};
