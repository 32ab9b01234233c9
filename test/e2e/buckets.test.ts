/**
 * Answers spend from Discord's buckets as Discord counts them (the fake counts per channel and per
 * interaction token, sends apart from edits, and the global limit): an answer's messages, and the
 * answers in one channel, share them without a 429; interaction webhooks are not held to a global
 * budget Discord does not apply to them; channel requests keep to the real one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage, RecordedRequest } from '../fakes/discord.js';
import { Gate, text, type Step } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** An answer of about `words` × 6 characters, a word every `everyMs`: long enough to span bucket windows. */
const paced = (answer: string, everyMs: number): Step[] => text(answer).flatMap((step, i) => [{ atMs: i * everyMs }, step]);
const words = (n: number, tag = 'w') => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');
const limited = () => h.discord.requests.filter((r) => r.status === 429);
const botMessages = (channelId: string) => h.discord.messages(channelId).filter((m) => m.author.id === h.discord.botUser.id);
/** A reply's text: its messages' contents without the footer, joined as the split cut them. */
const shown = (messages: FakeMessage[]) => messages.map((m) => m.content.split('\n-# ')[0]).join(' ').replace(/\s+/g, ' ');

/** The bot's answer to a mention: its reply and the messages after it up to the footer. */
function answerTo(trigger: FakeMessage): FakeMessage[] | undefined {
  const mine = botMessages(trigger.channel_id);
  const first = mine.findIndex((m) => m.message_reference?.message_id === trigger.id);
  if (first < 0) return undefined;
  const end = mine.findIndex((m, i) => i >= first && FOOTER.test(m.content));
  return end < 0 ? undefined : mine.slice(first, end + 1);
}

describe('one answer’s messages share its buckets', () => {
  it('a mention answered past 2,000 characters: the reply and its follow-up share the channel’s edits, no 429, every word lands', async () => {
    h = await startHarness({ discord: { editBucket: { limit: 3, windowMs: 600 } } });
    const answer = words(520);
    h.openrouter.reply({ steps: paced(answer, 6) });
    const trigger = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'tell me a lot', mentionsBot: true });
    const messages = await h.discord.waitFor(() => answerTo(trigger), { what: 'the whole answer', timeoutMs: 20_000 });
    expect(messages.length).toBe(2);
    expect(shown(messages)).toBe(answer);
    expect(limited()).toEqual([]);
    // The follow-up was edited while it streamed, in the channel's one edit bucket.
    const edits = h.discord.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith(`/channels/${h.discord.defaultChannelId}/messages/`));
    expect(new Set(edits.map((r) => r.path.split('/').at(-1))).size).toBe(2);
  });

  it('/ask answered past 2,000 characters: the original and its follow-up share the token’s edits, no 429, every word lands', async () => {
    h = await startHarness({ discord: { editBucket: { limit: 3, windowMs: 600 } } });
    const answer = words(520);
    h.openrouter.reply({ steps: paced(answer, 6) });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('tell me a lot') });
    const messages = await h.discord.waitFor(() => (FOOTER.test(interaction.all().at(-1)?.content ?? '') ? interaction.all() : undefined), { what: 'the whole answer', timeoutMs: 20_000 });
    expect(messages.length).toBe(2);
    expect(shown(messages)).toBe(answer);
    expect(limited()).toEqual([]);
  });
});

describe('answers in one channel share its buckets', () => {
  it('three mentions answered at once in one channel: no 429, every answer whole, the edits shared out between them', async () => {
    h = await startHarness({ discord: { editBucket: { limit: 3, windowMs: 600 } } });
    const channelId = h.discord.defaultChannelId;
    const answers = ['a', 'b', 'c'].map((tag) => words(120, tag));
    h.openrouter.setDefault((body: { messages: { content: unknown }[] }) => {
      const which = /question (\d)/.exec(JSON.stringify(body.messages.at(-1)))![1]!;
      return { steps: paced(answers[Number(which)]!, 12) };
    });
    const triggers = answers.map((_, n) => h.discord.postUserMessage({ channelId, content: `question ${n}`, mentionsBot: true, author: { id: `20000000000000000${n}`, username: `reader${n}` } }));
    // Each answer is one message: whole once that message has its footer (a later one's footer
    // says nothing of an earlier answer whose final edit still waits for the bucket).
    const replies = await h.discord.waitFor(() => {
      const all = triggers.map((trigger) => botMessages(channelId).find((m) => m.message_reference?.message_id === trigger.id));
      return all.every((m) => m && FOOTER.test(m.content)) ? all.map((m) => [m!]) : undefined;
    }, { what: 'three whole answers', timeoutMs: 30_000 });
    replies.forEach((messages, n) => expect(shown(messages)).toBe(answers[n]));
    expect(limited()).toEqual([]);
    // While all three stream, each gets its turn: none waits out two of another's edits.
    const streamingEdits = h.discord.requests
      .filter((r): r is RecordedRequest & { json: { content: string } } => r.method === 'PATCH' && r.path.startsWith(`/channels/${channelId}/messages/`) && !FOOTER.test((r.json as { content: string }).content))
      .map((r) => r.path.split('/').at(-1)!);
    const perAnswer = replies.map(([first]) => streamingEdits.filter((id) => id === first!.id).length);
    expect(Math.max(...perAnswer) - Math.min(...perAnswer)).toBeLessThanOrEqual(2);
  });
});

describe('the global limit', () => {
  it('does not hold interaction webhooks back: an /ask streams while channel requests wait out a global 429', async () => {
    h = await startHarness();
    const channelId = h.discord.defaultChannelId;
    // A mention's reply meets a global 429 that lasts longer than the /ask takes.
    h.discord.rateLimitNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/, retryAfterSec: 5, global: true });
    const gate = new Gate();
    h.openrouter.reply({ steps: [{ content: 'Held' }, { gate }, { content: ' back.' }] });
    h.discord.postUserMessage({ channelId, content: 'first', mentionsBot: true });
    await h.discord.waitFor(() => h.discord.requests.some((r) => r.status === 429), { what: 'the global 429' });
    h.openrouter.reply({ steps: text('Answered through the interaction webhook.') });
    const interaction = await h.discord.slash({ channelId, name: 'ask', options: askOptions('second') });
    const [message] = await h.discord.waitFor(() => (FOOTER.test(interaction.original()?.content ?? '') ? interaction.all() : undefined), { what: 'the /ask answer' });
    expect(message!.content).toMatch(/^Answered through the interaction webhook\.\n-# /);
    // The channel request is still waiting out its global limit.
    expect(h.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`).map((r) => r.status)).toEqual([429]);
    gate.open();
  });

  it('keeps channel requests within it: sixty mentions at once in sixty channels, no 429, every answer lands', async () => {
    let channels: string[] = [];
    h = await startHarness({
      env: (discord) => {
        channels = Array.from({ length: 60 }, (_, n) => discord.createChannel({ name: `room-${n}` }));
        return { USER_MAX_CONCURRENT: '100' };
      },
    });
    h.openrouter.setDefault({ steps: text('A short answer.') });
    const triggers = channels.map((channelId, n) => h.discord.postUserMessage({ channelId, content: `question ${n}`, mentionsBot: true, author: { id: `3000000000000000${String(n).padStart(2, '0')}`, username: `reader${n}` } }));
    await h.discord.waitFor(() => triggers.every(answerTo), { what: 'sixty answers', timeoutMs: 30_000 });
    expect(limited()).toEqual([]);
    // More than one global window's worth of channel requests went out.
    expect(h.discord.requests.filter((r) => r.path.startsWith('/channels/')).length).toBeGreaterThan(100);
  });
});
