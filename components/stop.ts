import { ButtonStyle, ComponentType, MessageFlags } from 'discord.js';
import { mayActOn, NOT_YOURS } from '../src/preconditions/asker-or-moderator.js';
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
    const result = ctx.answers.stop(answerId, (askerId) => mayActOn(interaction, askerId));
    if (result === 'stopped') {
      // The answer's own final edit replaces the message; acknowledging is all that's left.
      await interaction.deferUpdate();
      return;
    }
    await interaction.reply({
      content: result === 'not allowed' ? NOT_YOURS : 'This answer has already finished.',
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
};
