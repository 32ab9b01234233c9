import { afterEach, describe, expect, it } from 'vitest';
import type { FakeInteraction } from '../fakes/discord.js';
import { Gate, replies, type Reply, type ReplySource } from '../fakes/openrouter.js';
import { askOptions, OPENROUTER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER_OR_NOTICE } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const finalText = (i: FakeInteraction) => h.discord.waitFor(() => (FOOTER_OR_NOTICE.test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'final', timeoutMs: 15_000 });
const ask = () => h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
const failure = (status: number, message: string): Reply => ({ status, error: { message } });

describe('OpenRouter failing before the stream', () => {
  const cases: [string, ReplySource, RegExp][] = [
    ['400 bad request', failure(400, 'Invalid parameter: temperature'), /OpenRouter rejected the request \(OpenRouter said: Invalid parameter: temperature\)/],
    ['401 bad key', failure(401, 'User not found.'), /API key was rejected\. A server admin needs to check `OPENROUTER_API_KEY`/],
    ['402 no credits', replies.noCredits(), /out of credits\. A server admin needs to add credits at https:\/\/openrouter\.ai\/settings\/credits\.$/],
    ['402 credits too low for MAX_ANSWER_TOKENS', replies.cannotAfford(1200), /credits can pay for an answer of 1,200 tokens, and `MAX_ANSWER_TOKENS` allows 4,000\. A server admin needs to add credits at \S+, or set `MAX_ANSWER_TOKENS` below 1200\.$/],
    ['402 key limit too low for MAX_ANSWER_TOKENS', replies.cannotAfford(900, 'key'), /API key’s remaining limit can pay for an answer of 900 tokens, and `MAX_ANSWER_TOKENS` allows 4,000\. A server admin needs to raise the API key’s limit at https:\/\/openrouter\.ai\/settings\/keys, or set `MAX_ANSWER_TOKENS` below 900\.$/],
    ['402 key limit spent', replies.cannotAfford(0, 'key'), /API key has reached its spending limit\. A server admin needs to raise or remove the key’s limit at https:\/\/openrouter\.ai\/settings\/keys, or put another key in `OPENROUTER_API_KEY`\.$/],
    ['402 in-flight budget', replies.inFlightBudget(5), /holding this request back until the bot’s answers in progress are paid for\. Try again in 5 s\.$/],
    ['403 moderation', replies.moderation(['harassment', 'violence']), /moderation blocked this request \(flagged: harassment, violence\)\. Rephrase it/],
    ['403 key limit (total)', replies.keyLimit('total'), /^⚠️ The bot’s OpenRouter API key has reached its total spending limit\. A server admin needs to raise or remove the key’s limit at https:\/\/openrouter\.ai\/settings\/keys/],
    ['403 key limit (monthly)', replies.keyLimit('monthly'), /API key has reached its monthly spending limit\./],
    ['403 guardrail', replies.guardrail(), /^⚠️ OpenRouter refused this request \(OpenRouter said: Request blocked: prompt injection patterns detected\)\.$/],
    ['404 unknown model', failure(404, 'No endpoints found'), /`openai\/gpt-5-image-mini` was not found on OpenRouter/],
    ['408 timeout', failure(408, 'Request timed out'), /timed out waiting for the model/],
    ['413 too large', failure(413, 'Payload too large'), /too large for this model\. Use a smaller attachment, or `\/reset`/],
    ['429 rate limited', replies.rateLimited(7), /rate-limited right now\. Try again in 7 s/],
    ['500 server error', failure(500, 'Internal'), /provider is having trouble \(HTTP 500\)/],
    ['502 provider error', replies.providerError(502), /provider is having trouble \(HTTP 502\)/],
    ['503 unavailable', failure(503, 'No available providers'), /provider is having trouble \(HTTP 503\)/],
  ];

  it.each(cases)('%s: a specific message, no JSON, no stack, process up', async (_name, reply, expected) => {
    h = await startHarness({ env: { OPENROUTER_RETRY_MAX_MS: '1' } });
    h.openrouter.setDefault(reply);
    const text = await finalText(await ask());
    expect(text).toMatch(/^⚠️ /);
    expect(text).toMatch(expected);
    expect(text).not.toMatch(/[{}]|"code"|\bat \S+:\d+/);
    // The failure is logged with its error object, and still without a secret in it.
    await h.bot.idle();
    expect(h.logs.lines().some((l) => l.msg === 'openrouter request failed')).toBe(true);
    expect(h.logs.raw()).not.toContain(OPENROUTER_KEY);
    expect(h.logs.raw()).not.toContain(h.discord.token);
    // Still answering afterwards.
    h.openrouter.setDefault({ steps: [{ content: 'fine now' }] });
    expect(await finalText(await ask())).toMatch(/^fine now\n-# /);
  });

  it('retries a transient failure with a short backoff and answers', async () => {
    h = await startHarness();
    h.openrouter.reply(failure(503, 'No available providers'));
    h.openrouter.reply({ steps: [{ content: 'second try worked' }] });
    expect(await finalText(await ask())).toMatch(/^second try worked\n-# /);
    expect(h.openrouter.chatRequests()).toHaveLength(2);
  });

  // Retry-After: 1 makes the SDK wait a whole second between attempts, longer than the first
  // idle timeout: time spent waiting to retry is not the model being silent.
  it.each([
    ['idle timeout shorter than the retry budget', { STREAM_IDLE_TIMEOUT_MS: '600', OPENROUTER_RETRY_MAX_MS: '800' }],
    ['idle timeout longer than the retry budget', { STREAM_IDLE_TIMEOUT_MS: '5000', OPENROUTER_RETRY_MAX_MS: '800' }],
  ])('a persistent 429 is told as a 429 after the retries, %s', async (_name, env) => {
    h = await startHarness({ env });
    h.openrouter.setDefault(replies.rateLimited(1));
    expect(await finalText(await ask())).toMatch(/^⚠️ The model is rate-limited right now\. Try again in 1 s/);
    expect(h.openrouter.chatRequests()).toHaveLength(2);
  });

  it('says it could not reach OpenRouter when the connection is refused', async () => {
    h = await startHarness({ env: { OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1', OPENROUTER_RETRY_MAX_MS: '1' } });
    expect(await finalText(await ask())).toMatch(/^⚠️ Could not reach OpenRouter\. Try again in a minute\./);
  });
});

describe('OpenRouter failing during the stream', () => {
  it('keeps the partial text and the provider’s message when an error chunk has a string code', async () => {
    h = await startHarness();
    h.openrouter.reply({ steps: [{ content: 'Partial' }, { error: { code: 'server_error', message: 'Upstream exploded' } }] });
    expect(await finalText(await ask())).toMatch(/^Partial\n\n⚠️ The model stopped with an error: Upstream exploded/);
  });

  it('keeps the partial text and says so when a chunk is not JSON', async () => {
    h = await startHarness();
    h.openrouter.reply({ steps: [{ content: 'Partial' }, { raw: 'data: {"choices": [\n\n' }, { content: ' never shown' }] });
    expect(await finalText(await ask())).toMatch(/^Partial\n\n⚠️ The model stopped with an error: the provider sent a malformed chunk/);
  });

  it('keeps the partial text when the connection drops', async () => {
    h = await startHarness();
    const gate = new Gate();
    h.openrouter.reply({ steps: [{ content: 'Before the drop' }, { gate }, { drop: true }] });
    const i = await ask();
    await h.discord.waitFor(() => i.original()?.content === 'Before the drop', { what: 'partial' });
    gate.open();
    expect(await finalText(i)).toMatch(/^Before the drop\n\n⚠️ The connection to the model dropped/);
  });
});
