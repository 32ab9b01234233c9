import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOpenRouter } from '../../src/openrouter/client.js';
import { explainRequestFailure } from '../../src/openrouter/errors.js';
import { RequestFailed } from '../../src/openrouter/call.js';
import { streamChat, type StreamOutcome } from '../../src/openrouter/stream.js';

const MODEL = 'openai/gpt-5';

/** An OpenRouter that answers every attempt the same way, counting them; time is the test's. */
function openRouter(answer: (signal: AbortSignal | undefined) => Promise<Response>, retryBudgetMs: number) {
  const attempts = { count: 0 };
  const client = createOpenRouter({
    apiKey: 'sk-or-test',
    baseUrl: 'http://openrouter.test/api/v1',
    retryBudgetMs,
    fetch: (async (_input: RequestInfo | URL, init?: RequestInit) => {
      attempts.count++;
      return answer(init?.signal ?? undefined);
    }) as typeof fetch,
  });
  return { client, attempts };
}

const unavailable = async () =>
  new Response(JSON.stringify({ error: { code: 503, message: 'No available providers for the selected model.' } }), { status: 503, headers: { 'content-type': 'application/json' } });

/** Runs the stream to its end while the fake clock moves on. */
async function run(client: ReturnType<typeof openRouter>['client'], idleTimeoutMs: number): Promise<StreamOutcome | RequestFailed> {
  const done = streamChat(client, { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, { onText: () => undefined }, { idleTimeoutMs, now: () => Date.now() }).catch((err: unknown) => {
    if (err instanceof RequestFailed) return err;
    throw err;
  });
  await vi.advanceTimersByTimeAsync(60_000);
  return done;
}

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
afterEach(() => vi.useRealTimers());

describe('the idle timeout and the retry budget', () => {
  it.each([
    ['idle 3 s, retries 12 s', 3_000, 12_000],
    ['idle 12 s, retries 3 s', 12_000, 3_000],
  ])('%s: a persistent 503 is retried to the end of the budget and told as a 503', async (_name, idleMs, retryMs) => {
    const { client, attempts } = openRouter(unavailable, retryMs);
    const result = await run(client, idleMs);
    expect(result).toBeInstanceOf(RequestFailed);
    expect(explainRequestFailure((result as RequestFailed).cause, MODEL)).toMatch(/provider is having trouble \(HTTP 503\)/);
    expect(attempts.count).toBeGreaterThan(2);
  });

  it('still stops waiting for an attempt that is never answered', async () => {
    const hung = (signal: AbortSignal | undefined) =>
      new Promise<Response>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    const { client } = openRouter(hung, 12_000);
    const result = await run(client, 3_000);
    expect(result).not.toBeInstanceOf(RequestFailed);
    expect((result as StreamOutcome).interruption).toEqual({ kind: 'idle', afterMs: 3_000 });
  });
});
