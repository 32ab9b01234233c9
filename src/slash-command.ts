import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { ConversationServices, TurnInput } from './conversation/conversation.js';
import { interactionSurface } from './discord/interaction-surface.js';
import type { RateLimitTracker } from './discord/rate-limits.js';
import type { RunningAnswers } from './discord/stop-button.js';
import type { UserLimiter } from './user-limiter.js';

export interface BotContext extends ConversationServices {
  rateLimits: RateLimitTracker;
  /** Answers being streamed: stopped by their Stop button, or all at shutdown. */
  answers: RunningAnswers;
  /** Per-user rate limit and concurrency cap. */
  limiter: UserLimiter;
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

/** What every command's turn shares: who, where, the prompt, the file, the model, the reply. */
export function commandTurn(interaction: ChatInputCommandInteraction, ctx: BotContext, attachmentOption: string): Omit<TurnInput, 'signal' | 'controls'> {
  const attachment = interaction.options.getAttachment(attachmentOption);
  return {
    channelId: interaction.channelId,
    author: authorOf(interaction),
    prompt: interaction.options.getString('prompt', true),
    attachments: attachment ? [attachment] : [],
    model: interaction.options.getString('model') ?? undefined,
    uploadLimit: interaction.attachmentSizeLimit,
    surface: interactionSurface(interaction, ctx.rateLimits),
  };
}
