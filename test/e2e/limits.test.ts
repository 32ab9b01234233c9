import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction } from '../fakes/discord.js';
import { Gate } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const settled = (i: FakeInteraction) => h.discord.waitFor(() => (new RegExp(`${FOOTER.source}|⏳`, 'm').test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'an answer or a refusal' });
const other = { id: '123456789012345777', username: 'other' };

describe('per-user limits', () => {
  it('caps answers running at once per user, not for others', async () => {
    h = await startHarness({ env: { USER_MAX_CONCURRENT: '1' } });
    const gate = new Gate();
    h.openrouter.reply({ steps: [{ gate }, { content: 'first answer' }] });
    const first = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('one') });
    await h.openrouter.waitFor(() => h.openrouter.chatRequests().length === 1, { what: 'first request' });
    const second = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('two') });
    expect(await settled(second)).toMatch(/^⏳ You already have 1 answer in progress/);
    const theirs = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('mine'), user: other });
    expect(await settled(theirs)).toMatch(FOOTER);
    gate.open();
    expect(await settled(first)).toMatch(/^first answer\n-# /);
    expect(h.openrouter.chatRequests()).toHaveLength(2);
  });

  it('rate-limits a user with a clear “try again in N s”', async () => {
    h = await startHarness({ env: { USER_RATE_LIMIT: '2', USER_RATE_WINDOW_S: '600' } });
    for (const prompt of ['a', 'b']) {
      expect(await settled(await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions(prompt) }))).toMatch(FOOTER);
    }
    const third = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('c') });
    expect(await settled(third)).toMatch(/^⏳ You’ve asked a lot in a short time\. Try again in (59\d|600) s\.$/);
    expect(h.openrouter.chatRequests()).toHaveLength(2);
    expect(h.logs.lines().some((l) => l.msg === 'request refused by the user limits' && l.reason === 'rate')).toBe(true);
  });
});
