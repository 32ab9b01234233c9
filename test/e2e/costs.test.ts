import { afterEach, describe, expect, it } from 'vitest';
import { userCounter } from '../../src/costs/ledger.js';
import { toNanos } from '../../src/costs/money.js';
import { openRouterUser } from '../../src/openrouter/user-tag.js';
import type { FakeInteraction } from '../fakes/discord.js';
import { Gate, replies, text } from '../fakes/openrouter.js';
import { makeImage } from '../fakes/openrouter-images.js';
import { askOptions, startHarness, TestClock, type Harness } from '../helpers/harness.js';
import { stopAtPreview } from '../helpers/images.js';
import { FOOTER } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const settled = (i: FakeInteraction) =>
  h.discord.waitFor(() => (new RegExp(`${FOOTER.source}|^🔒|^⚠️`, 'm').test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'an answer or a refusal' });

async function ask(reply: Parameters<Harness['openrouter']['reply']>[0] = { steps: text('fine') }): Promise<string> {
  h.openrouter.reply(reply);
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('question') });
  const content = await settled(i);
  await h.bot.idle();
  return content;
}

type Value = string | number | boolean;
const imagine = (prompt: string, options: Record<string, Value> = {}) =>
  h.discord.slash({
    channelId: h.discord.defaultChannelId,
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: prompt }, ...Object.entries(options).map(([name, value]) => ({ name, type: typeof value === 'number' ? 4 : 3, value }))],
  });

const solid = (color: string) => makeImage({ width: 64, height: 64, format: 'png', color }).then((m) => m.bytes);

const today = () => userCounter({ userId: h.discord.user.id, guildId: null, channelId: '' }, Date.now());

describe('the ledger', () => {
  it('records the cost the stream reported, with the tokens, and sends OpenRouter a hash of the user instead of their id', async () => {
    h = await startHarness();
    expect(await ask({ steps: text('one two three'), usage: { cost: 0.00123, prompt_tokens: 40, completion_tokens: 3 } })).toMatch(/\$0\.00123$/m);
    const [totals] = await h.bot.context.ledger.read([today()]);
    expect(totals).toMatchObject({ requests: 1, promptTokens: 40, completionTokens: 3, cost: toNanos(0.00123), estimated: 0 });
    expect(totals!.models.get('openai/gpt-5-image-mini')).toEqual({ requests: 1, tokens: 43, cost: toNanos(0.00123) });

    const body = h.openrouter.chatRequests()[0];
    expect(body.user).toBe(openRouterUser(h.discord.user.id));
    expect(body.user).toMatch(/^discord-[0-9a-f]{32}$/);
    expect(JSON.stringify(body)).not.toContain(h.discord.user.id);
    expect(openRouterUser('123456789012345678')).not.toBe(openRouterUser('123456789012345679'));
  });

  it('records /imagine’s cost the same way, as kind image: each request a chat model gets, with its tokens', async () => {
    h = await startHarness();
    h.openrouter.setDefault({ ...replies.image(), usage: { cost: 0.04, prompt_tokens: 50, completion_tokens: 1290 } });
    const i = await imagine('a cat', { count: 3 });
    await h.discord.waitFor(() => FOOTER.test(i.original()?.content ?? '') || undefined, { what: 'the images' });
    await h.bot.idle();
    expect(h.openrouter.chatRequests()).toHaveLength(3);
    const recorded = h.logs.lines().filter((l) => l.msg === 'cost recorded');
    expect(recorded).toHaveLength(3);
    for (const line of recorded) expect(line).toMatchObject({ kind: 'image', costUsd: 0.04, estimated: false, model: 'openai/gpt-5-image-mini' });
    const [totals] = await h.bot.context.ledger.read([today()]);
    expect(totals).toMatchObject({ requests: 3, promptTokens: 150, completionTokens: 3870, cost: toNanos(0.12), estimated: 0, reserved: 0 });
    expect(totals!.models.get('openai/gpt-5-image-mini')).toEqual({ requests: 3, tokens: 4020, cost: toNanos(0.12) });
  });

  it('records an Image API /imagine as the one request it is, with the tokens its usage reports', async () => {
    h = await startHarness();
    h.openrouter.images.reply({ usage: { prompt_tokens: 12 } });
    const i = await imagine('two foxes', { model: 'bytedance-seed/seedream-4.5', count: 2 });
    await h.discord.waitFor(() => FOOTER.test(i.original()?.content ?? '') || undefined, { what: 'the images' });
    await h.bot.idle();
    const [totals] = await h.bot.context.ledger.read([today()]);
    // The fake bills $0.04 and 4175 tokens an image.
    expect(totals).toMatchObject({ requests: 1, promptTokens: 12, completionTokens: 8350, cost: toNanos(0.08), estimated: 0 });
  });

  it('prices an Image API /imagine that reports no cost at its endpoint’s prices, marked estimated; a stopped one records nothing', async () => {
    const clock = new TestClock();
    h = await startHarness({ clock });
    h.openrouter.images.reply({ usage: null });
    const i = await imagine('two foxes', { model: 'bytedance-seed/seedream-4.5', count: 2 });
    await h.discord.waitFor(() => FOOTER.test(i.original()?.content ?? '') || undefined, { what: 'the images' });
    await h.bot.idle();
    // Its answer has no id to look up: the endpoint's $0.04 an image, for the two it made.
    const [totals] = await h.bot.context.ledger.read([today()]);
    expect(totals).toMatchObject({ requests: 1, cost: toNanos(0.08), estimated: 1, reserved: 0 });
    expect(h.logs.lines().filter((l) => l.msg === 'OpenRouter never reported this request’s cost: recorded an estimate')).toHaveLength(1);
    expect(clock.waits).toEqual([]);

    const shown = new Gate();
    h.openrouter.images.reply({ steps: [{ partial: await solid('gray') }, { gate: shown }, { stall: true }] });
    const stopped = await imagine('a storm', { model: 'openai/gpt-image-1' });
    await stopAtPreview(h, stopped);
    await h.discord.waitFor(() => /^⏹️ Stopped/.test(stopped.original()?.content ?? '') || undefined, { what: 'the stop notice' });
    shown.open();
    await h.bot.idle();
    const [after] = await h.bot.context.ledger.read([today()]);
    expect(after).toMatchObject({ requests: 1, cost: toNanos(0.08), estimated: 1, reserved: 0 });
  });

  it('looks up /imagine’s cost with /generation when a chat image stream ends without usage', async () => {
    const clock = new TestClock();
    h = await startHarness({ clock });
    h.openrouter.account.generationLag = 1;
    h.openrouter.reply({ ...replies.image(), usage: null });
    const i = await imagine('a cat');
    expect(await h.discord.waitFor(() => (FOOTER.test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'the image' })).not.toMatch(/\$/);
    await h.bot.idle();
    const [generation] = [...h.openrouter.account.generations.values()];
    const [totals] = await h.bot.context.ledger.read([today()]);
    expect(totals).toMatchObject({ requests: 1, cost: toNanos(generation!.cost), promptTokens: generation!.promptTokens, estimated: 0 });
    expect(generation!.cost).toBeGreaterThan(0);
    expect(clock.waits).toEqual([500, 1000]);
  });

  it.each([
    ['looked up', 1],
    ['estimated and marked as one when it never comes', Infinity],
  ])('counts every request of a count:2 /imagine when one stream brought no usage: that one is %s', async (_, lag) => {
    const clock = new TestClock();
    h = await startHarness({ clock });
    h.openrouter.account.generationLag = lag;
    h.openrouter.setDefault((body: { seed: number }) => ({ ...replies.image(), usage: body.seed === 5 ? { cost: 0.04 } : null }));
    const i = await imagine('two cats', { count: 2, seed: 5 });
    // The footer can't say the cost of a request that didn't report it.
    expect(await h.discord.waitFor(() => (FOOTER.test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'the images' })).not.toMatch(/\$/);
    await h.bot.idle();
    const [totals] = await h.bot.context.ledger.read([today()]);
    const billed = [...h.openrouter.account.generations.values()].reduce((sum, g) => sum + g.cost, 0);
    expect(billed).toBeGreaterThan(0.04);
    if (lag === 1) {
      expect(totals).toMatchObject({ requests: 2, cost: toNanos(billed), estimated: 0 });
      expect(clock.waits).toEqual([500, 1000]);
    } else {
      expect(totals).toMatchObject({ requests: 2, estimated: 1 });
      // The reported $0.04 and an estimate for the other, from its image at the model's prices.
      expect(totals!.cost).toBeGreaterThan(toNanos(0.04));
      expect(h.logs.lines().filter((l) => /never reported/.test(String(l.msg)))).toHaveLength(1);
      expect(clock.waits).toHaveLength(4);
    }
  });

  it('looks up a stream’s cost with /generation when the stream ends without usage, retrying until OpenRouter has it', async () => {
    const clock = new TestClock();
    h = await startHarness({ clock });
    h.openrouter.account.generationLag = 1;
    expect(await ask({ steps: text('no usage here'), usage: null })).toMatch(/^-# openai\/gpt-5-image-mini$/m);
    const [totals] = await h.bot.context.ledger.read([today()]);
    const generation = [...h.openrouter.account.generations.values()][0]!;
    expect(totals).toMatchObject({ requests: 1, cost: toNanos(generation.cost), estimated: 0, completionTokens: generation.completionTokens });
    expect(clock.waits).toEqual([500, 1000]);
    expect(generation.user).toBe(openRouterUser(h.discord.user.id));
  });

  it('records an estimate, marked as one, when OpenRouter never has the generation', async () => {
    const clock = new TestClock();
    h = await startHarness({ clock });
    h.openrouter.account.generationLag = Infinity;
    await ask({ steps: text('x'.repeat(400)), usage: null });
    const [totals] = await h.bot.context.ledger.read([today()]);
    expect(totals!.estimated).toBe(1);
    // 400 characters ≈ 104 tokens at the model's $0.000002 a completion token, plus the prompt.
    expect(totals!.completionTokens).toBe(104);
    expect(totals!.cost).toBeGreaterThan(toNanos(104 * 0.000002));
    expect(h.logs.lines().find((l) => /never reported/.test(String(l.msg)))).toMatchObject({ level: 40, model: 'openai/gpt-5-image-mini' });
    expect(clock.waits).toHaveLength(4);
  });

  it('records what a stopped answer cost (OpenRouter bills what was generated) and releases nothing twice', async () => {
    const clock = new TestClock();
    h = await startHarness({ clock, env: { BUDGET_USER_DAILY_USD: '5' } });
    const gate = new Gate();
    h.openrouter.reply({ steps: [{ content: 'partial' }, { gate }, ...text(' rest')], usage: { cost: 0.002 } });
    const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('stop me') });
    await h.openrouter.waitFor(() => h.openrouter.chatRecords()[0]?.response.waitingAt === gate, { what: 'the stream to pause' });
    const stop = await h.discord.waitFor(() => (i.original()?.components as { components: { custom_id: string }[] }[] | undefined)?.[0]?.components[0]?.custom_id, { what: 'the Stop button' });
    await h.discord.component({ messageId: i.original()!.id, customId: stop });
    await settled(i);
    await h.bot.idle();
    const [totals] = await h.bot.context.ledger.read([today()]);
    expect(totals).toMatchObject({ requests: 1, cost: toNanos(0.002), reserved: 0 });
    gate.open();
  });
});

describe('the key’s own limit', () => {
  const nearlySpent = () => h.logs.lines().filter((l) => l.msg === 'the OpenRouter key’s limit is nearly spent');

  it('refuses new requests once the key is spent, before anything is sent, and warns when it runs low', async () => {
    h = await startHarness({ env: { KEY_WARN_REMAINING_USD: '0.01' }, openrouter: (fake) => (fake.account.limit = 0.02) });
    // $0.02 left is above the $0.01 set (the default, $1, would warn already).
    expect(nearlySpent()).toEqual([]);
    expect(await ask({ steps: text('one'), usage: { cost: 0.015 } })).toMatch(FOOTER);
    expect(nearlySpent()).toEqual([expect.objectContaining({ level: 40, warnBelow: 0.01, remaining: expect.closeTo(0.005, 12) })]);
    // $0.005 left: it may start, and its cost spends the key.
    expect(await ask({ steps: text('two'), usage: { cost: 0.015 } })).toMatch(FOOTER);
    const refused = await ask();
    expect(refused).toBe('🔒 The bot’s OpenRouter key has used up its $0.02 limit, so I can’t answer until the bot’s operator raises it.');
    expect(h.openrouter.chatRequests()).toHaveLength(2);
    expect(h.logs.lines().find((l) => l.msg === 'request refused: the OpenRouter key’s limit is spent')).toMatchObject({ reason: 'key-spent' });

    // The operator raises the limit; the next read of /key lets requests through again.
    h.openrouter.account.limit = 10;
    await h.bot.context.keyWatch.refresh();
    expect(await ask()).toMatch(FOOTER);
  });

  it('warns at start-up when what the key has left is below KEY_WARN_REMAINING_USD, however high it is set', async () => {
    h = await startHarness({ env: { KEY_WARN_REMAINING_USD: '10' }, openrouter: (fake) => (fake.account.limit = 5) });
    // $5 left: the default, $1, would not warn.
    expect(nearlySpent()).toEqual([expect.objectContaining({ level: 40, warnBelow: 10, remaining: 5 })]);
    expect(await ask()).toMatch(FOOTER);
  });

  it('counts /imagine’s cost against the key: once images have spent it, /imagine is refused before anything is sent', async () => {
    h = await startHarness({ openrouter: (fake) => (fake.account.limit = 0.07) });
    const seedream = { model: 'bytedance-seed/seedream-4.5' };
    // $0.04 each: the second may start with $0.03 left, and spends the key.
    expect(await settled(await imagine('a fox', seedream))).toMatch(/^-# bytedance-seed\/seedream-4\.5 · .* · \$0\.0400$/m);
    await h.bot.idle();
    expect(await settled(await imagine('another fox', seedream))).toMatch(FOOTER);
    await h.bot.idle();
    // OpenRouter's own count, read again from /key, agrees with the bot's.
    await h.bot.context.keyWatch.refresh();
    expect(h.bot.context.keyWatch.limit?.remaining).toBeCloseTo(-0.01, 12);
    const refused = await settled(await imagine('a third fox', seedream));
    expect(refused).toBe('🔒 The bot’s OpenRouter key has used up its $0.07 limit, so I can’t answer until the bot’s operator raises it.');
    expect(h.openrouter.images.requests()).toHaveLength(2);
  });

  it('reads /key at start-up: a key already spent refuses the first request, saying when its limit resets', async () => {
    h = await startHarness({
      openrouter: (fake) => {
        fake.account.limit = 0;
        fake.account.limitReset = 'daily';
      },
    });
    const midnight = Math.ceil(Date.now() / 86_400_000) * 86_400;
    expect(await ask()).toBe(`🔒 The bot’s OpenRouter key has used up its $0.00 limit, so I can’t answer until it resets <t:${midnight}:R>.`);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
    expect(h.openrouter.requests[0]!.path).toBe('/api/v1/key');
  });

  it('without a preflight check, a spent key answers 402 from OpenRouter: the fake enforces the limit', async () => {
    h = await startHarness({ openrouter: (fake) => (fake.account.keyStatus = 503) });
    h.openrouter.account.limit = 0;
    // OpenRouter's 402 names the key's limit: the operator is told to raise it, not to add credits.
    expect(await ask()).toMatch(/^⚠️ The bot’s OpenRouter API key has reached its spending limit\. A server admin needs to raise or remove the key’s limit/);
    expect(h.openrouter.chatRecords()[0]!.response.status).toBe(402);
  });
});
