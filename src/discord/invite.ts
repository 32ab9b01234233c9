import { OAuth2Scopes, PermissionsBitField } from 'discord.js';

/**
 * What the bot needs in a channel: see it, read its history, answer (in threads too), with embeds
 * and files, and start a thread for `/ask thread:true`.
 */
export const INVITE_PERMISSIONS = new PermissionsBitField(['ViewChannel', 'SendMessages', 'SendMessagesInThreads', 'CreatePublicThreads', 'EmbedLinks', 'AttachFiles', 'ReadMessageHistory']).bitfield;

const SCOPES = [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands];

/** The URL that adds the bot to a server with those permissions and its slash commands. */
export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=${SCOPES.join('%20')}&permissions=${INVITE_PERMISSIONS}`;
}
