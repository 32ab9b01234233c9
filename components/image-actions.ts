import {
  ActionRowBuilder,
  ButtonStyle,
  ComponentType,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type APIMessage,
  type ButtonInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { IncomingAttachment } from '../src/attachments.js';
import type { BotContext } from '../src/context.js';
import { NOTHING_TO_REDO } from '../src/conversation/conversation.js';
import { interactionSurface } from '../src/discord/interaction-surface.js';
import type { ImagineOptions } from '../src/imagine/options.js';
import { mayActOn, NOT_YOURS } from '../src/preconditions/asker-or-moderator.js';
import { runImage } from '../src/run-image.js';
import { withoutSetting, type EffectiveSettings } from '../src/settings/resolve.js';
import { UserError } from '../src/user-error.js';
import { customId, type ButtonHandler, type ModalHandler } from './component.js';
import { askedAgain, removeAnswer, stillRemembered, type AnsweredRequest } from './answered.js';

const PREFIX = 'image';
const EDIT_MODAL = 'image-edit';
const UUID = /^[0-9a-f-]{36}$/;
/** What a user may type for an edit: a sentence or a paragraph, like a prompt. */
const EDIT_MAX_CHARS = 1_000;

/** What the buttons under images need: the request again, and where its images are. */
/** `settings.image_model` is the model that made them. */
export interface ImageAction extends AnsweredRequest {
  /** The images the request started from (Discord's links to them last about a day). */
  attachments: IncomingAttachment[];
  options: ImagineOptions;
  kind: 'chat' | 'image-api';
  images: { file: string; seed?: number }[];
  /** The request's seed (an Image API batch has one for all). */
  seed: number | undefined;
}

type Press = { verb: 'reroll' | 'edit' | 'delete'; id: string } | { verb: 'vary'; index: number; id: string };

function button(data: string, label: string, emoji?: string) {
  return { type: ComponentType.Button, style: ButtonStyle.Secondary, label, ...(emoji ? { emoji: { name: emoji } } : {}), custom_id: customId(PREFIX, data) };
}

/** Vary buttons at most: four and Edit fill a row. */
const MAX_VARY = 4;

/**
 * The rows under /imagine's images: Reroll, Edit and Delete, and one Vary per image (`V1`…`V4`),
 * or a single `Vary` beside the others. Under an answer that drew (whose own row has Reroll and
 * Delete), only Vary and Edit, in one row: a row holds five buttons, so Vary goes to the first four
 * of a model's images (/imagine makes four at most).
 */
export function imageActionRows(actionId: string, { images, underAnswer }: { images: number; underAnswer: boolean }): object[] {
  const vary = Array.from({ length: Math.min(images, MAX_VARY) }, (_, i) => button(`vary:${i}:${actionId}`, images === 1 ? 'Vary' : `V${i + 1}`, images === 1 ? '🎲' : undefined));
  const edit = button(`edit:${actionId}`, 'Edit', '✏️');
  if (underAnswer) return [{ type: ComponentType.ActionRow, components: [...vary, edit] }];
  const main = [button(`reroll:${actionId}`, 'Reroll', '🔄'), ...(images === 1 ? vary : []), edit, button(`delete:${actionId}`, 'Delete', '🗑️')];
  return [{ type: ComponentType.ActionRow, components: main }, ...(images > 1 ? [{ type: ComponentType.ActionRow, components: vary }] : [])];
}

const privately = (interaction: ButtonInteraction | ModalSubmitInteraction, content: string) =>
  interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }).then(() => undefined);

const expired = (ctx: BotContext) => `These buttons have expired: they work for ${Math.round(ctx.config.buttonTtlMs / 3_600_000)} h after the images.`;

/**
 * One of the images as an attachment to start from: from the message the button is on, else
 * fetched again (fresh links). An SVG's PNG rendering stands in for it: models take raster images.
 */
async function imageOf(interaction: ButtonInteraction | ModalSubmitInteraction, action: ImageAction, index: number): Promise<IncomingAttachment> {
  const file = action.images[index]?.file;
  if (!file) throw new UserError(`There is no image ${index + 1} here.`);
  const names = file.endsWith('.svg') ? [file.replace(/\.svg$/, '.png'), file] : [file];
  const pick = (attachments: IncomingAttachment[]) => names.map((n) => attachments.find((a) => a.name === n)).find(Boolean);
  const here = interaction.message ? pick([...interaction.message.attachments.values()]) : undefined;
  if (here) return here;
  for (const m of [...action.messages].reverse()) {
    const message = (await interaction.client.rest.get(Routes.channelMessage(m.channelId, m.id)).catch(() => undefined)) as APIMessage | undefined;
    const found = message && pick(message.attachments.map((a) => ({ name: a.filename, url: a.url, size: a.size, contentType: a.content_type })));
    if (found) return found;
  }
  throw new UserError(`Image ${index + 1} is no longer on Discord, so there is nothing to start from.`);
}

/** A new take on the images, as a new message with its own buttons. */
async function drawAgain(
  interaction: ButtonInteraction | ModalSubmitInteraction,
  action: ImageAction,
  ctx: BotContext,
  request: { prompt: string; attachments: IncomingAttachment[]; options: ImagineOptions; settings?: EffectiveSettings },
): Promise<'ready'> {
  await interaction.deferReply();
  await runImage(ctx, { ...askedAgain(action), surface: interactionSurface(interaction, ctx.rest), ...request });
  // These buttons may make yet another take later.
  return 'ready';
}

/**
 * A new seed each time, whatever was asked for and whatever the seed setting says: the point of
 * Reroll and Vary is another image. With no seed to use, the request draws a random one.
 */
const freshSeed = (action: ImageAction) => ({ options: { ...action.options, seed: undefined }, settings: withoutSetting(action.settings, 'seed') });

async function claimed(interaction: ButtonInteraction | ModalSubmitInteraction, id: string, ctx: BotContext, task: (action: ImageAction) => Promise<'used' | 'ready'>): Promise<void> {
  const claim = await ctx.actions.once<ImageAction>(id, (stored) => task(stored.data));
  if (!claim.ok) await privately(interaction, claim.reason === 'busy' ? 'Already on it: these images’ buttons are running.' : claim.reason === 'used' ? 'These images were deleted.' : expired(ctx));
}

function editModal(actionId: string, images: number): ModalBuilder {
  const row = (input: TextInputBuilder) => new ActionRowBuilder<TextInputBuilder>().addComponents(input);
  const change = new TextInputBuilder().setCustomId('change').setLabel('What should change?').setStyle(TextInputStyle.Paragraph).setRequired(true).setMaxLength(EDIT_MAX_CHARS).setPlaceholder('make it night-time, with snow');
  const which = new TextInputBuilder().setCustomId('which').setLabel(`Which image (1–${images})?`).setStyle(TextInputStyle.Short).setRequired(true).setMinLength(1).setMaxLength(1).setValue('1');
  return new ModalBuilder()
    .setCustomId(customId(EDIT_MODAL, actionId))
    .setTitle('Edit the image')
    .addComponents(row(change), ...(images > 1 ? [row(which)] : []));
}

/** Reroll, Vary (V1–V4), Edit and Delete under images. */
export const imageActions: ButtonHandler<Press> = {
  prefix: PREFIX,
  parse(data) {
    const parts = data.split(':');
    const id = parts.at(-1);
    if (!id || !UUID.test(id)) return undefined;
    if (parts.length === 2 && (parts[0] === 'reroll' || parts[0] === 'edit' || parts[0] === 'delete')) return { verb: parts[0], id };
    const index = Number(parts[1]);
    return parts.length === 3 && parts[0] === 'vary' && Number.isInteger(index) && index >= 0 && index < 10 ? { verb: 'vary', index, id } : undefined;
  },
  async run(interaction, press, ctx) {
    const stored = await ctx.actions.load<ImageAction>(press.id);
    if (!stored) return privately(interaction, expired(ctx));
    if (!mayActOn(interaction, stored.askerId)) return privately(interaction, NOT_YOURS);
    const action = stored.data;
    // A new take starts from the exchange (chat models draw from the conversation): gone, there is nothing to redo.
    if (press.verb !== 'delete' && !(await stillRemembered(ctx, action))) return privately(interaction, NOTHING_TO_REDO);
    ctx.logger.info({ action: press.verb, user: interaction.user.id, channel: action.channelId }, 'image button pressed');
    switch (press.verb) {
      case 'edit':
        // A modal must be the first answer to the press: nothing may be awaited before it but what is stored.
        return interaction.showModal(editModal(press.id, action.images.length));
      case 'delete':
        return claimed(interaction, press.id, ctx, async () => {
          await interaction.deferUpdate();
          await removeAnswer(interaction.client, ctx, action);
          return 'used';
        });
      case 'reroll':
        return claimed(interaction, press.id, ctx, () => drawAgain(interaction, action, ctx, { prompt: action.prompt, attachments: action.attachments, ...freshSeed(action) }));
      case 'vary': {
        let image: IncomingAttachment;
        try {
          image = await imageOf(interaction, action, press.index);
        } catch (error) {
          if (error instanceof UserError) return privately(interaction, error.message);
          throw error;
        }
        // A chat model draws from the conversation: tell it what to do with the image.
        const prompt = action.kind === 'image-api' ? action.prompt : `Make a variation of this image. It was made for: “${action.prompt}”`;
        return claimed(interaction, press.id, ctx, () => drawAgain(interaction, action, ctx, { prompt, attachments: [image], ...freshSeed(action) }));
      }
    }
  },
};

/** The Edit modal's answer: the image with what should change, as a reply to it would be. */
export const imageEdit: ModalHandler<string> = {
  prefix: EDIT_MODAL,
  parse: (data) => (UUID.test(data) ? data : undefined),
  async run(interaction, id, ctx) {
    const stored = await ctx.actions.load<ImageAction>(id);
    if (!stored) return privately(interaction, expired(ctx));
    if (!mayActOn(interaction, stored.askerId)) return privately(interaction, NOT_YOURS);
    const action = stored.data;
    if (!(await stillRemembered(ctx, action))) return privately(interaction, NOTHING_TO_REDO);
    const change = interaction.fields.getTextInputValue('change').trim();
    const which = action.images.length > 1 ? Number(interaction.fields.getTextInputValue('which').trim()) : 1;
    if (!change) return privately(interaction, 'Say what should change, e.g. “make it night-time”.');
    if (!Number.isInteger(which) || which < 1 || which > action.images.length) return privately(interaction, `Which image: a number from 1 to ${action.images.length}.`);
    let image: IncomingAttachment;
    try {
      image = await imageOf(interaction, action, which - 1);
    } catch (error) {
      if (error instanceof UserError) return privately(interaction, error.message);
      throw error;
    }
    // Same seed, new prompt, the image as the reference: on the Image API that keeps what wasn't asked to change.
    const seed = action.kind === 'image-api' ? (action.images[which - 1]?.seed ?? action.seed) : undefined;
    ctx.logger.info({ action: 'edit', user: interaction.user.id, channel: action.channelId }, 'image edit submitted');
    return claimed(interaction, id, ctx, () => drawAgain(interaction, action, ctx, { prompt: change, attachments: [image], options: { ...action.options, count: 1, seed } }));
  },
};
