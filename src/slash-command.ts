import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { ConversationServices } from './conversation/conversation.js';
import type { RateLimitTracker } from './discord/rate-limits.js';

export interface BotContext extends ConversationServices {
  rateLimits: RateLimitTracker;
}

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
