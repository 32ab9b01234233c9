import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage, SlashOption } from '../fakes/discord.js';
import { text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { hasFooter } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const MANAGE_CHANNELS = String(1n << 4n);
const thread = (value: boolean): SlashOption => ({ name: 'thread', type: 5, value });
const said = (body: { messages: { role: string; content: unknown }[] }) =>
  body.messages.filter((m) => m.role !== 'system').map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);

/** The bot's finished answer among a channel's messages. */
const answerIn = (channelId: string) =>
  h.discord.waitFor(() => h.discord.messages(channelId).find((m: FakeMessage) => m.author.id === h.discord.botUser.id && hasFooter(m.content)), { what: `answer in ${channelId}` });

describe('/ask thread:true', () => {
  it('answers in a new thread started from the reply, whose conversation starts there and continues with mentions', async () => {
    h = await startHarness();
    const channel = h.discord.defaultChannelId;
    h.openrouter.reply({ steps: text('Earlier answer.') });
    const earlier = await h.discord.slash({ channelId: channel, name: 'ask', options: askOptions('something earlier in the channel') });
    await h.discord.waitFor(() => hasFooter(earlier.original()?.content), { what: 'earlier answer' });

    h.openrouter.reply({ steps: text('Threads keep things tidy.') });
    const question = 'Why use threads?\nAnd a second line that is not part of the name';
    const asked = await h.discord.slash({ channelId: channel, name: 'ask', options: [...askOptions(question), thread(true)] });
    const reply = await h.discord.waitFor(() => (asked.original()?.content.startsWith('🧵') ? asked.original() : undefined), { what: 'the reply points to the thread' });
    expect(reply.content).toBe('🧵 **tester** asked: Why use threads?\nAnd a second line that is not part of the name');
    const answer = await answerIn(reply.id);
    expect(h.discord.channel(reply.id)).toMatchObject({ type: 11, name: 'Why use threads?', parent_id: channel });
    expect(answer.content).toMatch(/^Threads keep things tidy\.\n-# openai\/gpt-5-image-mini · /);
    // The finished answer's buttons, in the thread, in the Stop button's place.
    expect((answer.components[0] as { components: { label: string }[] }).components.map((b) => b.label)).toEqual(['Regenerate', 'Delete']);
    // The thread's conversation begins with this exchange: nothing from the channel came along.
    expect(said(h.openrouter.chatRequests().at(-1))).toEqual([expect.stringMatching(/^user: tester: Why use threads\?/)]);

    h.openrouter.reply({ steps: text('Yes, still here.') });
    h.discord.postUserMessage({ channelId: reply.id, content: 'and in the thread?', mentionsBot: true });
    await h.discord.waitFor(() => h.discord.messages(reply.id).filter((m) => m.author.id === h.discord.botUser.id && hasFooter(m.content)).length === 2, { what: 'mention answered in the thread' });
    expect(said(h.openrouter.chatRequests().at(-1))).toEqual([
      expect.stringMatching(/^user: tester: Why use threads\?/),
      'assistant: Threads keep things tidy.',
      'user: tester: and in the thread?',
    ]);

    // The channel's own conversation did not take the thread's exchange in.
    h.openrouter.reply({ steps: text('ok') });
    const back = await h.discord.slash({ channelId: channel, name: 'ask', options: askOptions('back in the channel') });
    await h.discord.waitFor(() => hasFooter(back.original()?.content), { what: 'channel answer' });
    expect(said(h.openrouter.chatRequests().at(-1)).join('\n')).not.toContain('threads');
  });

  it('is the default where the channel’s threads setting is on, and thread:false answers in place', async () => {
    h = await startHarness();
    const set = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'settings', memberPermissions: MANAGE_CHANNELS, options: [{ name: 'set', type: 1, options: [{ name: 'threads', type: 5, value: true }] }] });
    await h.discord.waitFor(() => set.original()?.content.startsWith('✅'), { what: 'set' });

    h.openrouter.reply({ steps: text('In a thread by default.') });
    const byDefault = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('default placement') });
    const pointer = await h.discord.waitFor(() => (byDefault.original()?.content.startsWith('🧵') ? byDefault.original() : undefined), { what: 'the reply points to the thread' });
    expect((await answerIn(pointer.id)).content).toMatch(/^In a thread by default\./);

    h.openrouter.reply({ steps: text('Right here.') });
    const inPlace = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: [...askOptions('here please'), thread(false)] });
    await h.discord.waitFor(() => hasFooter(inPlace.original()?.content), { what: 'answer in place' });
    expect(inPlace.original()!.content).toMatch(/^Right here\.\n-# /);
    expect(h.discord.channel(inPlace.original()!.id)).toBeUndefined();

    // Inside a thread (the one the bot made, or any other) the inherited default just answers there, with no note.
    const existing = h.discord.createChannel({ name: 'older thread', type: 11, parentId: h.discord.defaultChannelId });
    for (const where of [pointer.id, existing]) {
      h.openrouter.reply({ steps: text('Answered in the thread.') });
      const followUp = await h.discord.slash({ channelId: where, name: 'ask', options: askOptions('a follow-up') });
      const content = await h.discord.waitFor(() => (hasFooter(followUp.original()?.content) ? followUp.original()!.content : undefined), { what: `answer in ${where}` });
      expect(content).toMatch(/^Answered in the thread\.\n-# openai\/gpt-5-image-mini · [^\n]*$/);
      expect(content).not.toContain('🧵');
    }
    // Asked for by name, a thread that can't be had is still explained.
    h.openrouter.reply({ steps: text('Still here.') });
    const explicit = await h.discord.slash({ channelId: existing, name: 'ask', options: [...askOptions('a thread please'), thread(true)] });
    expect(await h.discord.waitFor(() => (hasFooter(explicit.original()?.content) ? explicit.original()!.content : undefined), { what: 'explicit thread:true' })).toMatch(
      /^Still here\.\n-# .*\n-# 🧵 no thread: this is already a thread$/,
    );
    expect(h.logs.lines().filter((l) => l.msg === 'answering in place: no thread')).toHaveLength(1);
  });

  it('answers in place, saying why in the footer, where a thread can’t be started', async () => {
    h = await startHarness({ env: { ALLOW_DMS: 'true' } });
    const inPlace = async (channelId: string, why: RegExp) => {
      h.openrouter.reply({ steps: text('Answer in place.') });
      const asked = await h.discord.slash({ channelId, name: 'ask', options: [...askOptions('a question'), thread(true)] });
      const content = await h.discord.waitFor(() => (hasFooter(asked.original()?.content) ? asked.original()!.content : undefined), { what: `answer in ${channelId}` });
      expect(content).toMatch(/^Answer in place\.\n-# openai\/gpt-5-image-mini · .*\n-# 🧵 no thread: /);
      expect(content).toMatch(why);
      expect(h.discord.channel(asked.original()!.id)).toBeUndefined();
    };

    const existing = h.discord.createChannel({ name: 'already a thread', type: 11, parentId: h.discord.defaultChannelId });
    await inPlace(existing, /this is already a thread$/);

    const locked = h.discord.createChannel({ name: 'no-threads', type: 0, botDeny: ['CreatePublicThreads'] });
    await inPlace(locked, /I’m not allowed to start threads here$/);

    await inPlace(h.discord.createDmChannel(), /threads aren’t available in direct messages$/);

    // A forum's posts are threads already, and no thread can be started from a reply in the forum itself.
    const forum = h.discord.createChannel({ name: 'forum', type: 15 });
    await inPlace(h.discord.createChannel({ name: 'a post', type: 11, parentId: forum }), /this is already a thread$/);
    await inPlace(forum, /threads can’t be started in this kind of channel$/);

    // Discord itself refusing (here: a thread already exists on that message) is said in words too.
    h.discord.inject({ method: 'POST', path: /\/messages\/\d+\/threads$/, status: 400, body: { message: 'A thread has already been created for this message', code: 160004 } });
    await inPlace(h.discord.defaultChannelId, /that message already has a thread$/);
    expect(h.logs.lines().filter((l) => l.msg === 'answering in place: no thread')).toHaveLength(6);
  });
});
