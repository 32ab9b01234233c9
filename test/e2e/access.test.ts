import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/discord.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER, FOOTER_OR_NOTICE } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const replyTo = (message: FakeMessage) =>
  h.discord.waitFor(() => h.discord.messages(message.channel_id).find((m) => m.message_reference?.message_id === message.id && FOOTER_OR_NOTICE.test(m.content)), { what: `reply to ${message.content}` });

describe('allowlists', () => {
  it('answers only in allowed channels (and their threads); refuses elsewhere privately and ignores mentions there', async () => {
    let allowed = '';
    h = await startHarness({
      env: (discord) => {
        allowed = discord.createChannel({ name: 'bot-here' });
        return { ALLOWED_CHANNEL_IDS: `${allowed}, 123456789012345678` };
      },
    });
    const elsewhere = h.discord.defaultChannelId;
    const refused = await h.discord.slash({ channelId: elsewhere, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => refused.original(), { what: 'refusal' });
    expect(refused.original()!.content).toBe('I’m not enabled in this channel.');
    expect(refused.original()!.flags & 64).toBe(64);

    const ignored = h.discord.postUserMessage({ channelId: elsewhere, content: 'hello?', mentionsBot: true });
    const thread = h.discord.createChannel({ name: 'thread', type: 11, parentId: allowed });
    // Events arrive in order: once this is answered, the mention before it has been handled.
    await replyTo(h.discord.postUserMessage({ channelId: thread, content: 'in the thread', mentionsBot: true }));
    expect(h.discord.messages(elsewhere).filter((m) => m.message_reference?.message_id === ignored.id)).toEqual([]);
    const ok = await h.discord.slash({ channelId: allowed, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => FOOTER.test(ok.original()?.content ?? ''), { what: 'answer in allowed channel' });
    expect(h.openrouter.chatRequests()).toHaveLength(2);
  });

  it('refuses members without an allowed role', async () => {
    h = await startHarness({ env: { ALLOWED_ROLE_IDS: '123456789012345678' } });
    const refused = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => refused.original(), { what: 'refusal' });
    expect(refused.original()!.content).toMatch(/one of the roles/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });
});

describe('server allowlist', () => {
  it('refuses servers that are not on ALLOWED_GUILD_IDS', async () => {
    h = await startHarness({ env: { ALLOWED_GUILD_IDS: '123456789012345678' } });
    const refused = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => refused.original(), { what: 'refusal' });
    expect(refused.original()!.content).toBe('I’m not enabled in this server.');
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });
});

describe('caps', () => {
  it('refuses a prompt over MAX_PROMPT_CHARS and too many files, and caps the answer length', async () => {
    h = await startHarness({ env: { MAX_PROMPT_CHARS: '20', MAX_ATTACHMENTS: '1', MAX_ANSWER_TOKENS: '321' } });
    const long = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('x'.repeat(25)) });
    await h.discord.waitFor(() => /⚠️/.test(long.original()?.content ?? ''), { what: 'refusal' });
    expect(long.original()!.content).toMatch(/Your message is 25 characters; the limit is 20/);
    const files = [1, 2].map((n) => ({ filename: `f${n}.txt`, contentType: 'text/plain', data: Buffer.from('hi') }));
    const many = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'read these', mentionsBot: true, attachments: files });
    expect((await replyTo(many)).content).toMatch(/That’s 2 files; I take up to 1 at a time/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    const ok = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('short') });
    await h.discord.waitFor(() => FOOTER.test(ok.original()?.content ?? ''), { what: 'answer' });
    expect((h.openrouter.chatRequests().at(-1) as { max_completion_tokens?: number }).max_completion_tokens).toBe(321);
  });
});

describe('direct messages', () => {
  it('refuses slash commands in DMs privately unless ALLOW_DMS is on', async () => {
    h = await startHarness();
    const dm = h.discord.createDmChannel();
    const refused = await h.discord.slash({ channelId: dm, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => refused.original(), { what: 'refusal' });
    expect(refused.original()!.content).toMatch(/don’t answer in direct messages/);
    expect(refused.original()!.flags & 64).toBe(64);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });

  it('answers in DMs when ALLOW_DMS=true', async () => {
    h = await startHarness({ env: { ALLOW_DMS: 'true' } });
    const dm = h.discord.createDmChannel();
    const asked = await h.discord.slash({ channelId: dm, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => FOOTER.test(asked.original()?.content ?? ''), { what: 'answer in DM' });
    expect(h.openrouter.chatRequests()).toHaveLength(1);
  });
});
