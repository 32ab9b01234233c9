import { ButtonStyle, ComponentType, MessageFlags, RequestMethod, Routes, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../src/context.js';
import { NOTHING_TO_REDO } from '../src/conversation/conversation.js';
import type { ExchangeAddress } from '../src/conversation/history.js';
import { interactionSurface } from '../src/discord/interaction-surface.js';
import { send } from '../src/discord/rest.js';
import { bucketKeys } from '../src/discord/shared-bucket.js';
import { mayActOn, NOT_YOURS } from '../src/preconditions/asker-or-moderator.js';
import { runAnswer, type AnswerInput } from '../src/run-answer.js';
import { withoutSetting } from '../src/settings/resolve.js';
import { customId, type ButtonHandler } from './component.js';
import { askedAgain, messageLink, removeAnswer, stillRemembered, type AnsweredRequest } from './answered.js';

const PREFIX = 'answer';
const VERBS = ['regenerate', 'reroll', 'continue', 'delete'] as const;
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

/**
 * The row under a finished answer: Regenerate (Reroll when the model drew: the same question with
 * a new seed), Continue (only when the length limit cut it off), Delete, then `extra`.
 */
export function answerActionRow(actionId: string, { canContinue, drew, extra }: { canContinue: boolean; drew: boolean; extra: object[] }): object {
  return {
    type: ComponentType.ActionRow,
    components: [
      drew ? button('reroll', 'Reroll', '🔄', actionId) : button('regenerate', 'Regenerate', '🔄', actionId),
      ...(canContinue ? [button('continue', 'Continue', '⏩', actionId, ButtonStyle.Primary)] : []),
      button('delete', 'Delete', '🗑️', actionId),
      ...extra,
    ],
  };
}

const privately = (interaction: ButtonInteraction, content: string) =>
  interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }).then(() => undefined);


const POINTER: Record<Exclude<Verb, 'delete'>, (link: string) => string> = {
  regenerate: (link) => `-# 🔄 Regenerated: [the new answer](${link})`,
  reroll: (link) => `-# 🔄 Rerolled: [the new answer](${link})`,
  continue: (link) => `-# ⏩ Continued in [the next message](${link})`,
};

/**
 * Asks the stored question again (Regenerate; Reroll, with a new seed whatever the seed setting
 * says) or for the rest of the answer (Continue), as a new message; the old one loses its buttons
 * and points to the new one. The answer's messages so far go with the new one's action, so its
 * Delete removes them all.
 */
async function askAgain(interaction: ButtonInteraction, verb: Exclude<Verb, 'delete'>, action: AnswerAction, ctx: BotContext): Promise<'used' | 'ready'> {
  await interaction.deferReply();
  const asked = askedAgain(action);
  const input: AnswerInput = {
    ...asked,
    ...(verb === 'reroll' ? { settings: withoutSetting(asked.settings, 'seed') } : {}),
    attachments: [],
    surface: interactionSurface(interaction, ctx.rest),
    revise: { kind: verb === 'continue' ? 'continue' : 'regenerate', at: action.exchange },
  };
  const messages = await runAnswer(ctx, input, { priorMessages: action.messages });
  // Refused by the user limits: nothing happened, the button may be pressed again later.
  if (messages.length === 0) return 'ready';
  const pointer = POINTER[verb](messageLink(action.place.guildId, messages[0]!));
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
  reroll: 'This answer was already rerolled; the buttons under the new one work on it.',
  continue: 'This answer was already continued; the buttons under the continuation work on it.',
  delete: 'This answer is already being deleted.',
};

/** Regenerate (or Reroll), Continue and Delete under a finished answer. */
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
