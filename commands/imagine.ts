import { SlashCommandBuilder } from 'discord.js';
import { runAnswer } from '../src/run-answer.js';
import { commandTurn, modelChoices, requestOverrides, type SlashCommand } from '../src/slash-command.js';

/** The ratios OpenRouter's image models accept in `image_config.aspect_ratio`. */
export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

export const imagine: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('imagine')
    .setDescription('Make an image from a prompt, or change one you attach')
    .addStringOption((o) => o.setName('prompt').setDescription('What to draw, or what to change').setRequired(true).setMaxLength(4000))
    .addAttachmentOption((o) => o.setName('image').setDescription('An image to start from (PNG, JPEG, WebP or GIF)'))
    .addStringOption((o) =>
      o
        .setName('aspect_ratio')
        .setDescription('Shape of the image')
        .addChoices(...ASPECT_RATIOS.map((r) => ({ name: r, value: r }))),
    )
    .addStringOption((o) => o.setName('model').setDescription('Image model to use (default: the channel’s image model)').setAutocomplete(true).setMaxLength(100))
    .toJSON(),

  async execute(interaction, ctx) {
    await interaction.deferReply();
    const overrides = requestOverrides(interaction, { model: 'image_model' }, ctx.config.maxAnswerTokens);
    await runAnswer(ctx, {
      ...(await commandTurn(interaction, ctx, 'image', overrides)),
      mode: 'image',
      aspectRatio: interaction.options.getString('aspect_ratio') ?? undefined,
    });
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(await modelChoices(ctx, interaction.options.getFocused(), 'image'));
  },
};
