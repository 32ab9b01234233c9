import { ButtonStyle, ComponentType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { customId, type ButtonHandler } from './component.js';

const PREFIX = 'stop';

/** The row under a streaming answer. */
export function stopButton(answerId: string): object[] {
  return [
    {
      type: ComponentType.ActionRow,
      components: [{ type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Stop', emoji: { name: '⏹️' }, custom_id: customId(PREFIX, answerId) }],
    },
  ];
}

/** Stops a running answer: only its asker, or someone with Manage Messages. */
export const stop: ButtonHandler<string> = {
  prefix: PREFIX,
  parse: (data) => data || undefined,
  async run(interaction, answerId, ctx) {
    const result = ctx.answers.stop(answerId, {
      userId: interaction.user.id,
      canManageMessages: interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false,
    });
    if (result === 'stopped') {
      // The answer's own final edit replaces the message; acknowledging is all that's left.
      await interaction.deferUpdate();
      return;
    }
    await interaction.reply({
      content: result === 'not allowed' ? 'Only the person who asked (or someone with Manage Messages) can stop this answer.' : 'This answer has already finished.',
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
};
