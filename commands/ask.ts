import { SlashCommandBuilder } from 'discord.js';
import { runStoppable } from '../src/discord/stop-button.js';
import { commandTurn, modelChoices, type SlashCommand } from '../src/slash-command.js';

export const ask: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask the model; the answer streams in. The channel’s conversation is remembered.')
    .addStringOption((o) => o.setName('prompt').setDescription('What to ask').setRequired(true).setMaxLength(6000))
    .addAttachmentOption((o) => o.setName('attachment').setDescription('An image, PDF or text file for the model to read'))
    .addStringOption((o) => o.setName('model').setDescription('OpenRouter model to use (default: the bot’s chat model)').setAutocomplete(true).setMaxLength(100))
    .toJSON(),

  async execute(interaction, ctx) {
    // Discord drops the interaction if it isn't acknowledged within 3 s.
    await interaction.deferReply();
    await runStoppable(ctx, commandTurn(interaction, ctx, 'attachment'));
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(await modelChoices(ctx, interaction.options.getFocused()));
  },
};
