import { SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/slash-command.js';

export const reset: SlashCommand = {
  data: new SlashCommandBuilder().setName('reset').setDescription('Forget this channel’s conversation with the bot').toJSON(),

  async execute(interaction, ctx) {
    await interaction.deferReply();
    const forgot = await ctx.history.reset(interaction.channelId);
    ctx.logger.info({ channel: interaction.channelId, user: interaction.user.id, forgot }, 'history reset');
    await interaction.editReply({
      content: forgot
        ? '🧹 Done: I’ve forgotten this channel’s conversation. The next `/ask` starts fresh.'
        : 'There was no conversation to forget in this channel; the next `/ask` starts fresh.',
      allowedMentions: { parse: [] },
    });
  },
};
