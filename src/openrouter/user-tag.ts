import { createHash } from 'node:crypto';

/**
 * The `user` sent with every request: stable per Discord user, so OpenRouter can tell one abuser
 * from the whole key, without handing it the Discord id. The operator can find someone's tag by
 * hashing their id the same way.
 */
export function openRouterUser(discordUserId: string): string {
  return `discord-${createHash('sha256').update(`discord-user:${discordUserId}`).digest('hex').slice(0, 32)}`;
}
