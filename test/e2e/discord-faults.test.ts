import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction } from '../fakes/discord.js';
import { Gate, PNG_1X1 } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const settled = (i: FakeInteraction) => h.discord.waitFor(() => (FOOTER.test(i.all().at(-1)?.content ?? '') ? i.all() : undefined), { what: 'final', timeoutMs: 15_000 });

/** An answer held at a gate after its first words, so a fault can be set up mid-stream. */
async function midStream(rest: string) {
  const gate = new Gate();
  h.openrouter.reply({ steps: [{ content: 'First words' }, { gate }, { content: rest }] });
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q') });
  await h.discord.waitFor(() => i.original()?.content === 'First words', { what: 'first words' });
  return { i, gate };
}

describe('Discord misbehaving', () => {
  it('5xx on an edit is retried and the final text lands', async () => {
    h = await startHarness();
    const { i, gate } = await midStream(' and the rest.');
    h.discord.inject({ method: 'PATCH', path: /@original$/, status: 502, body: { message: 'Bad Gateway', code: 0 }, times: 2 });
    gate.open();
    const [message] = await settled(i);
    expect(message!.content).toMatch(/^First words and the rest\.\n-# /);
    expect(h.discord.requests.filter((r) => r.status === 502)).toHaveLength(2);
  });

  it('5xx on a follow-up and on an upload are retried, nothing lost', async () => {
    h = await startHarness();
    h.discord.inject({ method: 'POST', path: /^\/webhooks\/\d+\/[^/]+$/, status: 500, body: { message: '500: Internal Server Error', code: 0 }, times: 1 });
    h.discord.inject({ method: 'PATCH', path: /\/messages\/\d+$/, status: 503, body: { message: 'Service Unavailable', code: 0 }, times: 1 });
    const long = 'Paragraph of text that is long enough. '.repeat(70);
    h.openrouter.reply({ steps: [{ content: long }, { images: [PNG_1X1] }] });
    const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q', { model: 'openai/gpt-5-image' }) });
    const messages = await settled(i);
    expect(messages.length).toBe(2);
    expect(messages.map((m) => m.content).join(' ').replace(/\s+/g, ' ')).toContain(long.trim().replace(/\s+/g, ' '));
    expect(messages.at(-1)!.attachments.map((a) => a.filename)).toEqual(['image-1.png']);
    // The upload itself was the request that failed first.
    const failed = h.discord.requests.find((r) => r.status === 503)!;
    expect(failed.files?.map((f) => f.filename)).toEqual(['image-1.png']);
  });

  it('a global 429 is waited out and the final text lands', async () => {
    h = await startHarness();
    const { i, gate } = await midStream(' after the global limit.');
    h.discord.rateLimitNext({ method: 'PATCH', path: /@original$/, retryAfterSec: 0.3, global: true });
    gate.open();
    const [message] = await settled(i);
    expect(message!.content).toMatch(/^First words after the global limit\.\n-# /);
    expect(h.discord.requests.some((r) => r.status === 429)).toBe(true);
  });

  it('the gateway dropping mid-stream changes nothing: the answer lands and the bot resumes', async () => {
    h = await startHarness();
    const { i, gate } = await midStream(' despite the drop.');
    const connections = h.discord.gatewayFrames.filter((f) => f.op === 6).length;
    h.discord.dropGateway();
    await h.discord.waitFor(() => h.discord.gatewayFrames.filter((f) => f.op === 6).length > connections, { what: 'RESUME' });
    gate.open();
    expect((await settled(i))[0]!.content).toMatch(/^First words despite the drop\.\n-# /);
    const next = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('after') });
    expect((await settled(next))[0]!.content).toMatch(FOOTER);
  });

  it('when the interaction token expires (15 minutes), the answer continues as channel messages', async () => {
    h = await startHarness();
    const { i, gate } = await midStream(' continued in the channel.');
    h.discord.expireInteractionToken(i.id);
    gate.open();
    const continuation = await h.discord.waitFor(
      () => h.discord.messages(h.discord.defaultChannelId).find((m) => !m.interaction_token && m.author.id === h.discord.botUser.id && FOOTER.test(m.content)),
      { what: 'continuation in the channel' },
    );
    expect(continuation.content).toMatch(/^First words continued in the channel\.\n-# /);
    expect(continuation.allowed_mentions).toMatchObject({ parse: [] });
    expect(i.original()!.content).toBe('First words');
  });
});

describe('a hung Discord request', () => {
  it('is timed out by the REST client and retried; the final text still lands', async () => {
    h = await startHarness();
    const { i, gate } = await midStream(' after the hang.');
    h.discord.inject({ method: 'PATCH', path: /@original$/, hang: true, times: 1 });
    gate.open();
    const [message] = await h.discord.waitFor(() => (FOOTER.test(i.original()?.content ?? '') ? i.all() : undefined), { what: 'final after the hang', timeoutMs: 35_000 });
    expect(message!.content).toMatch(/^First words after the hang\.\n-# /);
    expect(h.discord.requests.filter((r) => r.injected).length).toBe(1);
  }, 40_000);
});
