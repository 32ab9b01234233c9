import { SlashCommandBuilder } from 'discord.js';
import { channelSurface } from '../src/discord/message-surface.js';
import { startAnswerThread } from '../src/discord/answer-thread.js';
import { runAnswer, type AnswerInput } from '../src/run-answer.js';
import { REASONING_LEVELS } from '../src/settings/definitions.js';
import { commandTurn, modelChoices, requestOverrides, type SlashCommand } from '../src/slash-command.js';

export const ask: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask the model; the answer streams in. The channel’s conversation is remembered.')
    .addStringOption((o) => o.setName('prompt').setDescription('What to ask').setRequired(true).setMaxLength(6000))
    .addAttachmentOption((o) => o.setName('attachment').setDescription('An image, PDF or text file for the model to read'))
    .addStringOption((o) => o.setName('model').setDescription('OpenRouter model to use (default: the channel’s model)').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) =>
      o
        .setName('reasoning')
        .setDescription('How hard a reasoning model thinks, for this question only')
        .addChoices(...REASONING_LEVELS.map((level) => ({ name: level, value: level }))),
    )
    .addNumberOption((o) => o.setName('temperature').setDescription('Randomness 0–2, for this question only').setMinValue(0).setMaxValue(2))
    .addBooleanOption((o) => o.setName('thread').setDescription('Answer in a new thread, whose conversation starts here'))
    .toJSON(),

  async execute(interaction, ctx) {
    // Checked before the reply is deferred in public, so a refusal reaches the asker alone.
    const overrides = requestOverrides(interaction, { model: 'model', reasoning: 'reasoning', temperature: 'temperature' }, ctx.config.maxAnswerTokens);
    // Discord drops the interaction if it isn't acknowledged within 3 s.
    await interaction.deferReply();
    const turn = await commandTurn(interaction, ctx, 'attachment', overrides);
    // The channel's `threads` default is inherited by its threads, where answering in place is what it means.
    const inThread = interaction.options.getBoolean('thread') ?? (Boolean(turn.settings.threads.value) && !interaction.channel?.isThread());
    await runAnswer(ctx, turn, inThread ? { place: inAThread } : {});

    async function inAThread(input: AnswerInput): Promise<AnswerInput> {
      const placed = await startAnswerThread(interaction, input.author.name, input.prompt);
      if (!placed.ok) {
        ctx.logger.info({ channel: input.channelId, why: placed.why }, 'answering in place: no thread');
        return { ...input, notes: [`🧵 no thread: ${placed.why}`] };
      }
      // The thread's conversation starts with this exchange.
      return { ...input, channelId: placed.thread.id, surface: channelSurface(placed.thread, ctx.rest), names: { ...input.names, channel: `#${placed.thread.name}` } };
    }
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(await modelChoices(ctx, interaction.options.getFocused()));
  },
};
