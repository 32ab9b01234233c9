import { describe, expect, it } from 'vitest';
import { exemptFromGlobal } from '../../src/proxy/rest-proxy.js';

describe('exemptFromGlobal', () => {
  it('exempts interaction callbacks and webhooks sent by their token alone', () => {
    expect(exemptFromGlobal('/interactions/123456789012345678/aW50ZXJhY3Rpb246abc/callback', false)).toBe(true);
    expect(exemptFromGlobal('/webhooks/123456789012345678/aW50ZXJhY3Rpb246abc/messages/@original', false)).toBe(true);
    expect(exemptFromGlobal('/webhooks/123456789012345678/aW50ZXJhY3Rpb246abc', false)).toBe(true);
  });

  it('counts everything the bot sends with its token', () => {
    expect(exemptFromGlobal('/webhooks/123456789012345678/sometoken', true)).toBe(false);
    expect(exemptFromGlobal('/channels/123456789012345678/messages', true)).toBe(false);
    expect(exemptFromGlobal('/applications/123456789012345678/commands', true)).toBe(false);
    expect(exemptFromGlobal('/users/@me', false)).toBe(false);
  });
});
