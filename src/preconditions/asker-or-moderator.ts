import { PermissionFlagsBits, type MessageComponentInteraction, type ModalSubmitInteraction } from 'discord.js';

export const NOT_YOURS = 'Only the person who asked (or someone with Manage Messages) can use this button.';

/**
 * Buttons under an answer act for whoever asked; moderators may act on anyone's. In a DM there
 * is only the asker.
 */
export function mayActOn(interaction: MessageComponentInteraction | ModalSubmitInteraction, askerId: string): boolean {
  return interaction.user.id === askerId || (interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false);
}
