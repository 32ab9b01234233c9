/**
 * Proves the fake's account side against the REAL @openrouter/sdk, which validates `/key` and
 * `/generation` strictly: a field missing or mistyped there fails these.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenRouter } from '@openrouter/sdk';
import * as errors from '@openrouter/sdk/models/errors';
import { FakeOpenRouter, text } from './openrouter.js';

const API_KEY = 'sk-or-v1-0123456789abcdef';
let fake: FakeOpenRouter;
let client: OpenRouter;

beforeEach(async () => {
  fake = await FakeOpenRouter.start({ apiKey: API_KEY });
  client = new OpenRouter({ apiKey: API_KEY, serverURL: fake.baseUrl, retryConfig: { strategy: 'none' } });
});

afterEach(async () => {
  await fake.stop();
});

async function chat(opts: { cost?: number; user?: string; noUsage?: boolean } = {}) {
  fake.reply({ steps: text('hello there'), usage: opts.noUsage ? null : { cost: opts.cost ?? 0.01 } });
  return client.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'hi' }], stream: false, ...(opts.user ? { user: opts.user } : {}) } });
}

describe('fake /key', () => {
  it('answers in the shape the SDK validates, without a limit by default', async () => {
    const { data } = await client.apiKeys.getCurrentKeyMetadata();
    expect(data).toMatchObject({ limit: null, limitRemaining: null, limitReset: null, usage: 0, isFreeTier: false, label: 'sk-or-v1-01...def' });
  });

  it('counts every request’s cost against the limit, and refuses chat with 402 once it is spent', async () => {
    fake.account.limit = 0.025;
    fake.account.limitReset = 'daily';
    await chat({ cost: 0.01 });
    await chat({ cost: 0.01 });
    const { data } = await client.apiKeys.getCurrentKeyMetadata();
    expect(data.limitRemaining).toBeCloseTo(0.005, 12);
    expect(data).toMatchObject({ limit: 0.025, limitReset: 'daily', usage: expect.closeTo(0.02, 12) });
    await chat({ cost: 0.01 });
    const refused = await chat().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(errors.PaymentRequiredResponseError);
    expect((await client.apiKeys.getCurrentKeyMetadata()).data.limitRemaining).toBeLessThan(0);
    fake.account.resetLimit();
    await expect(chat()).resolves.toBeDefined();
  });

  it('checks the key like every endpoint, and can be made unreachable', async () => {
    const other = new OpenRouter({ apiKey: 'sk-or-v1-wrong', serverURL: fake.baseUrl, retryConfig: { strategy: 'none' } });
    await expect(other.apiKeys.getCurrentKeyMetadata()).rejects.toBeInstanceOf(errors.UnauthorizedResponseError);
    fake.account.keyStatus = 500;
    await expect(client.apiKeys.getCurrentKeyMetadata()).rejects.toBeInstanceOf(errors.InternalServerResponseError);
  });
});

describe('fake /generation', () => {
  it('records each request (even one whose answer carried no usage) with its cost, tokens and user, after a lag', async () => {
    fake.account.generationLag = 1;
    const result = await chat({ user: 'discord-abc', noUsage: true });
    expect((result as { usage?: unknown }).usage).toBeUndefined();
    const id = (result as { id: string }).id;
    await expect(client.generations.getGeneration({ id })).rejects.toBeInstanceOf(errors.NotFoundResponseError);
    const { data } = await client.generations.getGeneration({ id });
    // Billed at the model's prices: 2 answer tokens at $0.00001, and the prompt at $0.00000125.
    expect(data).toMatchObject({ id, model: 'openai/gpt-5', externalUser: 'discord-abc', streamed: false, cancelled: false, tokensCompletion: 2 });
    expect(data.totalCost).toBeCloseTo(data.tokensPrompt! * 0.00000125 + 2 * 0.00001, 12);
    expect(data.usage).toBe(data.totalCost);
    await expect(client.generations.getGeneration({ id: 'gen-unknown' })).rejects.toBeInstanceOf(errors.NotFoundResponseError);
  });
});
