import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inviteUrl } from '../../src/discord/invite.js';

describe('inviteUrl', () => {
  it('is the URL the README gives, with the scopes and permissions it lists', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(inviteUrl('YOUR_APPLICATION_ID'));
    const url = new URL(inviteUrl('123456789012345678'));
    expect(url.searchParams.get('client_id')).toBe('123456789012345678');
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    // View Channels, Send Messages, Embed Links, Attach Files, Read Message History, Create Public Threads, Send Messages in Threads.
    expect(BigInt(url.searchParams.get('permissions')!)).toBe((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 35n) | (1n << 38n));
  });
});
