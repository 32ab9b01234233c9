import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction } from '../fakes/discord.js';
import { Gate, PNG_1X1, replies, text } from '../fakes/openrouter.js';
import { askOptions, OPENROUTER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const finalOf = async (interaction: FakeInteraction, what = 'final answer') =>
  h.discord.waitFor(() => {
    const last = interaction.all().at(-1);
    return last && /\n?-# |⚠️/.test(last.content) ? interaction.all() : undefined;
  }, { what, timeoutMs: 15_000 });

describe('streaming under Discord rate limits', () => {
  it('paces edits by the bucket headers: no 429 and every word lands', async () => {
    h = await startHarness({ discord: { editBucket: { limit: 3, windowMs: 600 } } });
    const answer = Array.from({ length: 250 }, (_, i) => `w${i}`).join(' ');
    h.openrouter.reply({ steps: text(answer) });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('go') });
    const [message] = await finalOf(interaction);
    expect(message!.content.startsWith(answer)).toBe(true);
    expect(h.discord.requests.filter((r) => r.status === 429)).toEqual([]);
    // Editing once per token would be 250 edits; the scheduler coalesces.
    expect(interaction.original()!.edits.length).toBeLessThan(60);
  });

  it('spreads the first message’s edits over the bucket’s window instead of spending it in a burst', async () => {
    // 5 edits per 2 s, and a stream of ~3 s: sending every token would use the bucket in ~70 ms.
    h = await startHarness({ discord: { editBucket: { limit: 5, windowMs: 2000 } } });
    const steps = text(Array.from({ length: 180 }, (_, i) => `w${i}`).join(' ')).flatMap((step, i) => [{ atMs: i * 16 }, step]);
    h.openrouter.reply({ steps });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('go') });
    await finalOf(interaction);
    const patches = h.discord.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
    expect(h.discord.requests.filter((r) => r.status === 429)).toEqual([]);
    // Even pacing puts ~400 ms between edits, so the first five span well over a second.
    expect(patches[4]!.at - patches[0]!.at).toBeGreaterThan(1000);
  });

  it('lands the final text even when Discord answers an edit with 429', async () => {
    h = await startHarness();
    const gate = new Gate();
    h.openrouter.reply({ steps: [{ content: 'Partial' }, { gate }, { content: ' and the rest.' }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('go') });
    await h.discord.waitFor(() => interaction.original()?.content === 'Partial', { what: 'partial' });
    h.discord.rateLimitNext({ method: 'PATCH', path: /\/messages\/@original$/, retryAfterSec: 0.2, times: 2 });
    gate.open();
    const [message] = await finalOf(interaction);
    expect(message!.content).toMatch(/^Partial and the rest\.\n-# /);
    expect(h.discord.requests.filter((r) => r.status === 429).length).toBe(2);
  });
});

describe('models', () => {
  it('asks image-capable models for images and attaches what comes back as files', async () => {
    h = await startHarness();
    h.openrouter.reply(replies.image([PNG_1X1, PNG_1X1], 'Here you go'));
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('draw a dot', { model: 'openai/gpt-5-image' }) });
    const [message] = await finalOf(interaction);
    const request = h.openrouter.chatRequests().at(-1) as { modalities?: string[]; model: string; seed?: number };
    expect(request.model).toBe('openai/gpt-5-image');
    expect(request.modalities).toEqual(['image', 'text']);
    // No seed is set: the request gets one of its own, and the footer shows it, so the images can be made again.
    expect(request.seed).toEqual(expect.any(Number));
    expect(message!.content).toMatch(new RegExp(`^Here you go\\n-# openai/gpt-5-image · seed ${request.seed} · `));
    expect(message!.attachments.map((a) => a.filename)).toEqual(['image-1.png', 'image-2.png']);
    const bytes = h.discord.attachmentData(message!.attachments[0]!.id)!;
    expect(bytes.equals(Buffer.from(PNG_1X1.split(',')[1]!, 'base64'))).toBe(true);
  });

  it('does not ask text-only models for images', async () => {
    h = await startHarness();
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi', { model: 'openai/gpt-5' }) });
    await finalOf(interaction);
    const request = h.openrouter.chatRequests().at(-1) as { modalities?: unknown; seed?: unknown };
    expect(request.modalities).toBeUndefined();
    expect(request.seed).toBeUndefined();
  });

  it('autocompletes the model option from OpenRouter’s list', async () => {
    h = await startHarness();
    const result = await h.discord.autocomplete({
      channelId: h.discord.defaultChannelId,
      name: 'ask',
      options: [
        { name: 'prompt', type: 3, value: 'x' },
        { name: 'model', type: 3, value: 'gemini', focused: true },
      ],
    });
    expect(result.choices.map((c) => c.value)).toEqual(['google/gemini-3-pro-image-preview']);
  });

  it('refuses an unknown model with a message naming it', async () => {
    h = await startHarness();
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi', { model: 'nope/not-a-model' }) });
    const [message] = await finalOf(interaction);
    expect(message!.content).toMatch(/no model `nope\/not-a-model` on OpenRouter/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });
});

describe('failures users can act on', () => {
  it('explains an exhausted OpenRouter balance', async () => {
    h = await startHarness();
    h.openrouter.reply(replies.noCredits());
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    const [message] = await finalOf(interaction);
    expect(message!.content).toMatch(/out of credits/);
    expect(message!.content).not.toMatch(/\{|"code"|at .*\.ts/);
  });

  it('keeps the partial answer and says why when the model errors mid-stream', async () => {
    h = await startHarness();
    h.openrouter.reply({ steps: [{ content: 'The first half' }, { error: { code: 502, message: 'Provider returned error' } }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    const [message] = await finalOf(interaction);
    expect(message!.content).toMatch(/^The first half\n\n⚠️ The model stopped with an error: Provider returned error/);
  });

  it('stops waiting for a silent stream after STREAM_IDLE_TIMEOUT_MS and keeps what arrived', async () => {
    h = await startHarness({ env: { STREAM_IDLE_TIMEOUT_MS: '300' } });
    h.openrouter.reply({ steps: [{ content: 'Before the silence' }, { stall: true }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    const [message] = await finalOf(interaction);
    expect(message!.content).toMatch(/^Before the silence\n\n⚠️ The model sent nothing for 300 ms/);
    await h.openrouter.waitFor(() => h.openrouter.streamsOpen() === 0, { what: 'upstream stream closed' });
  });

  it('counts keepalive comments as signs of life: a slow first token is not an idle stream', async () => {
    h = await startHarness({ env: { STREAM_IDLE_TIMEOUT_MS: '300' } });
    const keepalives = [200, 400, 600, 800].flatMap((atMs) => [{ atMs }, { comment: 'OPENROUTER PROCESSING' }]);
    h.openrouter.reply({ steps: [...keepalives, { atMs: 1000 }, { content: 'Worth the wait' }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    const [message] = await finalOf(interaction);
    expect(message!.content).toMatch(/^Worth the wait\n-# /);
  });
});

describe('the reply disappearing', () => {
  it('stops the upstream stream when Discord says the reply is gone', async () => {
    h = await startHarness();
    const gate = new Gate();
    h.openrouter.reply({ steps: [{ content: 'start' }, { gate }, { content: ' more' }, { stall: true }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => interaction.original()?.content === 'start', { what: 'start shown' });
    h.discord.inject({ method: 'PATCH', path: /\/messages\/@original$/, status: 404, body: { message: 'Unknown Message', code: 10008 }, times: 100 });
    gate.open();
    await h.openrouter.waitFor(() => h.openrouter.chatRecords().at(-1)?.response.state === 'aborted', { what: 'upstream aborted' });
    await h.bot.idle();
    expect(h.logs.lines().some((l) => l.msg === 'discord rejected an update; stopping the answer')).toBe(true);
  });
});

describe('failures inside the bot', () => {
  it('a storage failure mid-request gets a clear message and a log line with context; the bot keeps answering', async () => {
    h = await startHarness();
    const history = h.bot.context.history;
    const snapshot = history.snapshot.bind(history);
    history.snapshot = () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error'));
    const broken = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    const [notice] = await h.discord.waitFor(() => (broken.all().some((m) => /⚠️/.test(m.content)) ? broken.all().filter((m) => /⚠️/.test(m.content)) : undefined), { what: 'failure notice' });
    expect(notice!.content).toBe('⚠️ Something went wrong on the bot’s side. It has been logged; try again in a moment.');
    await h.bot.idle();
    const logged = h.logs.lines().find((l) => l.msg === 'command failed')!;
    expect(logged).toMatchObject({ command: 'ask', channel: h.discord.defaultChannelId, err: { message: 'SQLITE_IOERR: disk I/O error' } });
    history.snapshot = snapshot;
    const ok = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('again') });
    expect((await finalOf(ok))[0]!.content).toMatch(FOOTER);
  });
});

describe('concurrency and logs', () => {
  it('stores every turn of concurrent /asks in one channel, each pair unbroken', async () => {
    h = await startHarness();
    const gates = [new Gate('first'), new Gate('second')];
    h.openrouter.reply({ steps: [{ gate: gates[0]! }, { content: 'answer one' }] });
    h.openrouter.reply({ steps: [{ gate: gates[1]! }, { content: 'answer two' }] });
    const channelId = h.discord.defaultChannelId;
    const one = await h.discord.slash({ channelId, name: 'ask', options: askOptions('question one') });
    await h.openrouter.waitFor(() => h.openrouter.chatRequests().length === 1, { what: 'first request' });
    const two = await h.discord.slash({ channelId, name: 'ask', options: askOptions('question two') });
    await h.openrouter.waitFor(() => h.openrouter.chatRequests().length === 2, { what: 'second request' });
    gates[1]!.open();
    await finalOf(two);
    gates[0]!.open();
    await finalOf(one);
    // The final answer shows while its exchange is being written: the turn ends once it is.
    await h.bot.idle();
    const stored = await h.bot.context.history.load(channelId);
    expect(stored.map((t) => `${t.role}: ${t.content}`)).toEqual(['user: question two', 'assistant: answer two', 'user: question one', 'assistant: answer one']);
  });

  it('keeps many channels answering at once apart: no cross-talk in replies or history', async () => {
    h = await startHarness({ env: { USER_MAX_CONCURRENT: '10' } });
    const channels = Array.from({ length: 6 }, (_, n) => h.discord.createChannel({ name: `room-${n}` }));
    const gates = channels.map(() => new Gate());
    h.openrouter.setDefault((body: { messages: { content: string }[] }) => {
      const room = /room (\d)/.exec(JSON.stringify(body.messages.at(-1)))![1]!;
      return { steps: [{ gate: gates[Number(room)]! }, { content: `answer for room ${room}` }] };
    });
    const asks = await Promise.all(channels.map((channelId, n) => h.discord.slash({ channelId, name: 'ask', options: askOptions(`question from room ${n}`) })));
    await h.openrouter.waitFor(() => h.openrouter.chatRequests().length === channels.length, { what: 'all requests' });
    [...gates].reverse().forEach((g) => g.open());
    await Promise.all(asks.map((i) => finalOf(i)));
    await h.bot.idle();
    for (const [n, channelId] of channels.entries()) {
      expect(asks[n]!.original()!.content).toMatch(new RegExp(`^answer for room ${n}\\n-# `));
      const stored = await h.bot.context.history.load(channelId);
      expect(stored.map((t) => t.content)).toEqual([`question from room ${n}`, `answer for room ${n}`]);
    }
  });

  it('logs one line per answer with timing, tokens and cost, and never a secret', async () => {
    h = await startHarness();
    h.openrouter.reply({ steps: text('hello there'), usage: { prompt_tokens: 11, completion_tokens: 2, cost: 0.0042 } });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    await finalOf(interaction);
    await h.bot.idle();
    const line = h.logs.lines().find((l) => l.msg === 'answered')!;
    expect(line).toMatchObject({ channel: h.discord.defaultChannelId, model: 'openai/gpt-5-image-mini', promptTokens: 11, completionTokens: 2, cost: 0.0042 });
    expect(typeof line.ttftMs).toBe('number');
    expect(typeof line.totalMs).toBe('number');
    expect(interaction.original()!.content).toMatch(/-# openai\/gpt-5-image-mini · 13 tokens \(11 in, 2 out\) · \$0\.00420$/);
    expect(h.logs.raw()).not.toContain(OPENROUTER_KEY);
    expect(h.logs.raw()).not.toContain(h.discord.token);
  });
});
