import { describe, expect, it } from 'vitest';
import { refusal, type AccessPolicy } from '../../src/access.js';

const open: AccessPolicy = { guilds: new Set(), channels: new Set(), roles: new Set(), allowDMs: false };
const place = { guildId: 'g1', channelId: 'c1', roleIds: ['r1'] };

describe('access policy', () => {
  it('allows everything in servers when no list is set, and refuses DMs unless enabled', () => {
    expect(refusal(open, place)).toBeUndefined();
    expect(refusal(open, { ...place, guildId: null })).toMatch(/direct messages/);
    expect(refusal({ ...open, allowDMs: true }, { ...place, guildId: null })).toBeUndefined();
  });

  it('checks guilds, channels (threads through their parent) and roles', () => {
    expect(refusal({ ...open, guilds: new Set(['g2']) }, place)).toMatch(/server/);
    expect(refusal({ ...open, channels: new Set(['c2']) }, place)).toMatch(/channel/);
    expect(refusal({ ...open, channels: new Set(['c2']) }, { ...place, channelId: 'thread', parentId: 'c2' })).toBeUndefined();
    expect(refusal({ ...open, roles: new Set(['r2']) }, place)).toMatch(/roles/);
    expect(refusal({ ...open, roles: new Set(['r2', 'r1']) }, place)).toBeUndefined();
  });
});
