import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from './context.js';
import { interactionSurface } from './discord/interaction-surface.js';
import { namesOf, placeOf } from './place.js';
import type { AnswerInput } from './run-answer.js';
import { parseSettings, type PartialSettings, type SettingName } from './settings/definitions.js';
import { UserError } from './user-error.js';

export interface SlashCommand {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}

/** Who asked, as the model should see them: their nickname in the server when they have one. */
export function authorOf(interaction: ChatInputCommandInteraction): { id: string; name: string } {
  const member = interaction.member;
  return { id: interaction.user.id, name: member && 'displayName' in member ? member.displayName : interaction.user.displayName };
}

/** Autocomplete choices from OpenRouter's model list (Discord allows 25, names up to 100 chars). */
export async function modelChoices(ctx: BotContext, typed: string, output?: string) {
  const models = await ctx.catalog.search(typed, output ? { output } : {});
  return models.map((m) => ({ name: `${m.name} (${m.id})`.slice(0, 100), value: m.id.slice(0, 100) }));
}

/**
 * A command's options that override a setting for this request only, read under their option
 * names and checked like `/settings set` checks them (a bad value throws a UserError).
 */
export function requestOverrides(interaction: ChatInputCommandInteraction, options: Partial<Record<string, SettingName>>, maxAnswerTokens: number): PartialSettings {
  const raw: Partial<Record<SettingName, string | number | boolean>> = {};
  for (const [option, setting] of Object.entries(options)) {
    const value = interaction.options.get(option)?.value;
    if (value !== undefined && setting) raw[setting] = value;
  }
  try {
    return parseSettings(raw, { maxAnswerTokens });
  } catch (err) {
    // The refusal names the setting; the asker typed the option (`/imagine model:` sets `image_model`).
    const renamed = err instanceof UserError && Object.entries(options).find(([option, setting]) => option !== setting && err.message.startsWith(`\`${setting}\``));
    if (renamed) throw new UserError(`\`${renamed[0]}\`${(err as UserError).message.slice(renamed[1]!.length + 2)}`);
    throw err;
  }
}

/** What every command's turn shares: who, where, the prompt, the file, the settings, the reply. */
export async function commandTurn(interaction: ChatInputCommandInteraction, ctx: BotContext, attachmentOption: string, overrides: PartialSettings): Promise<AnswerInput> {
  const attachment = interaction.options.getAttachment(attachmentOption);
  const place = placeOf(interaction);
  return {
    channelId: interaction.channelId,
    author: authorOf(interaction),
    prompt: interaction.options.getString('prompt', true),
    attachments: attachment ? [attachment] : [],
    settings: await ctx.settings.effective(place, overrides),
    place,
    names: namesOf(interaction),
    uploadLimit: interaction.attachmentSizeLimit,
    surface: interactionSurface(interaction, ctx.rest),
  };
}
