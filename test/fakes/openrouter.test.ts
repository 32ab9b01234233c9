/**
 * Proves the fake against the REAL @openrouter/sdk: if the fake's wire format drifts from what
 * the SDK validates, or a control (gate, drop, stall) stops working, these fail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import * as errors from '@openrouter/sdk/models/errors';
import type { ChatResult, ChatStreamChunk } from '@openrouter/sdk/models';
import { FakeOpenRouter, Gate, PNG_1X1, replies, text, type Reply } from './openrouter.js';

const API_KEY = 'sk-or-v1-test';
let fake: FakeOpenRouter;
let client: OpenRouter;

beforeEach(async () => {
  fake = await FakeOpenRouter.start();
  client = new OpenRouter({ apiKey: API_KEY, serverURL: fake.baseUrl, retryConfig: { strategy: 'none' } });
});

afterEach(async () => {
  await fake.stop();
});

const USER = [{ role: 'user' as const, content: 'Hello there' }];

async function openStream(model = 'openai/gpt-5', messages = USER): Promise<EventStream<ChatStreamChunk>> {
  const res = await client.chat.send({ chatRequest: { model, messages, stream: true } });
  if (!(res instanceof EventStream)) throw new Error('expected an EventStream');
  return res as EventStream<ChatStreamChunk>;
}

async function collect(stream: EventStream<ChatStreamChunk>): Promise<ChatStreamChunk[]> {
  const out: ChatStreamChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('streaming chat completions through the real SDK', () => {
  it('delivers content in order, then finish_reason and usage with cost', async () => {
    fake.reply({ steps: text('The quick brown fox jumps') });
    const chunks = await collect(await openStream());

    const contents = chunks.map((c) => c.choices[0]?.delta.content ?? '').filter(Boolean);
    expect(contents).toEqual(['The', ' quick', ' brown', ' fox', ' jumps']);

    const last = chunks.at(-1)!;
    expect(last.choices[0]?.finishReason).toBe('stop');
    expect(last.id).toMatch(/^gen-/);
    expect(last.object).toBe('chat.completion.chunk');
    expect(last.model).toBe('openai/gpt-5');
    const usage = last.usage!;
    expect(usage.completionTokens).toBe(5);
    expect(usage.promptTokens).toBeGreaterThan(0);
    expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens);
    expect(usage.cost).toBeGreaterThan(0);
    expect(usage.isByok).toBe(false);
    expect(usage.costDetails?.upstreamInferencePromptCost).toBeGreaterThan(0);
    expect(usage.costDetails?.upstreamInferenceCompletionsCost).toBeGreaterThan(0);
    // usage only on the last chunk
    expect(chunks.slice(0, -1).every((c) => c.usage === undefined)).toBe(true);

    // what the fake recorded
    const [rec] = fake.chatRecords();
    expect(rec!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(rec!.headers.accept).toBe('text/event-stream');
    expect(rec!.body).toMatchObject({ model: 'openai/gpt-5', stream: true, messages: USER });
    expect(rec!.response.state).toBe('done');
  });

  it('uses the default reply "ok" when the queue is empty, queued replies FIFO, functions get the body', async () => {
    fake.reply({ steps: text('first') });
    fake.reply((body) => ({ steps: text(`echo ${body.messages[0].content}`) }));
    const join = (cs: ChatStreamChunk[]): string => cs.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(join(await collect(await openStream()))).toBe('first');
    expect(join(await collect(await openStream()))).toBe('echo Hello there');
    expect(join(await collect(await openStream()))).toBe('ok');
    fake.setDefault({ steps: text('new default') });
    expect(join(await collect(await openStream()))).toBe('new default');
    expect(fake.chatRequests()).toHaveLength(4);
  });

  it('streams reasoning as delta.reasoning and splitUsage puts usage in a trailing chunk', async () => {
    fake.reply({ steps: [{ reasoning: 'thinking...' }, { content: 'answer' }], splitUsage: true, finishReason: 'length' });
    const chunks = await collect(await openStream());
    expect(chunks[0]?.choices[0]?.delta.reasoning).toBe('thinking...');
    expect(chunks[1]?.choices[0]?.delta.content).toBe('answer');
    const finish = chunks.find((c) => c.choices[0]?.finishReason);
    expect(finish?.choices[0]?.finishReason).toBe('length');
    expect(finish?.usage).toBeUndefined();
    expect(chunks.at(-1)?.usage?.completionTokensDetails?.reasoningTokens).toBe(1);
    expect(chunks.at(-1)?.choices[0]?.finishReason).toBeNull();
  });

  it('streams readable reasoning as both fields, or as only one of them', async () => {
    fake.reply({
      steps: [
        { reasoning: 'both', as: 'summary' },
        { reasoning: 'plain', via: 'reasoning' },
        { reasoning: 'detail', as: 'text', via: 'details' },
        { encryptedReasoning: 'opaque' },
        { content: 'answer' },
      ],
    });
    const deltas = (await collect(await openStream())).slice(0, 4).map((c) => c.choices[0]?.delta);
    expect(deltas.map((d) => [d?.reasoning, d?.reasoningDetails])).toEqual([
      ['both', [{ type: 'reasoning.summary', summary: 'both', format: 'openai-responses-v1', index: 0 }]],
      ['plain', undefined],
      [null, [{ type: 'reasoning.text', text: 'detail', format: 'unknown', index: 0 }]],
      [null, [{ type: 'reasoning.encrypted', data: 'opaque', format: 'openai-responses-v1', index: 0 }]],
    ]);
  });

  it('a gate holds the stream until opened (by event order, no sleeps)', async () => {
    const gate = new Gate();
    fake.reply({ steps: [{ content: 'before' }, { gate }, { content: 'after' }] });
    const log: string[] = [];
    let gotBefore!: () => void;
    const before = new Promise<void>((r) => (gotBefore = r));

    const stream = await openStream();
    const consumer = (async () => {
      for await (const c of stream) {
        const t = c.choices[0]?.delta.content;
        if (t) log.push(t);
        if (t === 'before') gotBefore();
      }
    })();

    await gate.reached;
    await before;
    // Deterministic: the server has written nothing past the gate, and one stream is held open.
    const frames = fake.chatRecords()[0]!.response.frames.join('');
    expect(frames).toContain('"before"');
    expect(frames).not.toContain('"after"');
    expect(fake.chatRecords()[0]!.response.waitingAt).toBe(gate);
    expect(fake.streamsOpen()).toBe(1);

    log.push('OPEN');
    gate.open();
    await consumer;
    expect(log).toEqual(['before', 'OPEN', 'after']);
    expect(fake.streamsOpen()).toBe(0);
  });

  it('atMs steps pace frames from the start of the response, without adding up, and frameAt records them', async () => {
    fake.reply({ steps: [{ atMs: 150 }, { content: 'a' }, { atMs: 150 }, { content: 'b' }, { atMs: 0 }, { content: 'c' }] });
    const contents = (await collect(await openStream())).map((c) => c.choices[0]?.delta.content ?? '').filter(Boolean);
    expect(contents).toEqual(['a', 'b', 'c']);

    const response = fake.chatRecords()[0]!.response;
    expect(response.frameAt).toHaveLength(response.frames.length);
    const at = (s: string) => response.frameAt[response.frames.findIndex((f) => f.includes(`"content":"${s}"`))]!;
    expect(at('a') - response.startedAt!).toBeGreaterThanOrEqual(149);
    // Absolute times: the second step is already due, so 'b' and 'c' follow 'a' without another wait.
    expect(at('b') - at('a')).toBeLessThan(100);
    expect(at('c')).toBeGreaterThanOrEqual(at('b'));
  });

  it('a gate before the first data chunk still lets send() resolve (headers and comment are flushed)', async () => {
    const gate = new Gate();
    fake.reply({ steps: [{ gate }, { content: 'x' }] });
    const stream = await openStream(); // would hang if headers waited for the gate
    await gate.reached;
    expect(fake.chatRecords()[0]!.response.frames).toEqual([': OPENROUTER PROCESSING\n\n']);
    gate.open();
    const chunks = await collect(stream);
    expect(chunks[0]?.choices[0]?.delta.content).toBe('x');
  });

  it('closing the iterator early closes the socket: streamsOpen() drops to 0 and the record says aborted', async () => {
    fake.reply({ steps: [{ content: 'one' }, { stall: true }] });
    const stream = await openStream();
    for await (const c of stream) {
      expect(c.choices[0]?.delta.content).toBe('one');
      break; // return() cancels the reader
    }
    await fake.waitFor(() => fake.streamsOpen() === 0, { what: 'stream closed after cancel' });
    expect(fake.chatRecords()[0]!.response.state).toBe('aborted');
  });

  it('an AbortController abort reaches a stalled stream and throws AbortError', async () => {
    fake.reply({ steps: [{ content: 'one' }, { stall: true }] });
    const ac = new AbortController();
    const res = await client.chat.send(
      { chatRequest: { model: 'openai/gpt-5', messages: USER, stream: true } },
      { signal: ac.signal },
    );
    const stream = res as EventStream<ChatStreamChunk>;
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value?.choices[0]?.delta.content).toBe('one');
    const pending = it.next();
    ac.abort();
    const err = await rejectionOf(pending);
    expect((err as Error).name).toBe('AbortError');
    await fake.waitFor(() => fake.streamsOpen() === 0, { what: 'stream closed after abort' });
  });
});

describe('mid-stream failures', () => {
  it('an error chunk with a numeric code arrives as chunk.error with finishReason "error"', async () => {
    fake.reply({
      steps: [
        { content: 'partial' },
        { error: { code: 502, message: 'Upstream provider went away', metadata: { error_type: 'provider_unavailable', provider_name: 'OpenAI' } } },
        { content: 'never sent' },
      ],
    });
    const chunks = await collect(await openStream());
    expect(chunks).toHaveLength(2);
    const errChunk = chunks[1]!;
    expect(errChunk.error).toEqual({
      code: 502,
      message: 'Upstream provider went away',
      metadata: { errorType: 'provider_unavailable' },
    });
    expect(errChunk.choices[0]?.finishReason).toBe('error');
    expect(fake.chatRecords()[0]!.response.frames.join('')).not.toContain('[DONE]');
  });

  it('default error metadata carries a valid error_type', async () => {
    fake.reply({ steps: [{ error: { code: 429, message: 'rate limited upstream' } }] });
    const chunks = await collect(await openStream());
    expect(chunks[0]?.error?.metadata?.errorType).toBe('rate_limit_exceeded');
  });

  it('an error chunk with a STRING code makes the SDK throw a ZodError while iterating', async () => {
    fake.reply({ steps: [{ content: 'partial' }, { error: { code: 'server_error', message: 'boom' } }] });
    const stream = await openStream();
    const seen: string[] = [];
    const err = await rejectionOf((async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '');
    })());
    expect(seen).toEqual(['partial']);
    expect(err).toBeInstanceOf(ZodError);
    const issues = (err as ZodError).issues;
    expect(issues.some((i) => i.path.join('.') === 'data.error.code')).toBe(true);
  });

  it('error metadata without error_type also makes the SDK throw a ZodError (the strictness trap)', async () => {
    fake.reply({ steps: [{ error: { code: 502, message: 'x', metadata: { provider_name: 'OpenAI' } } }] });
    const stream = await openStream();
    const err = await rejectionOf(collect(stream));
    expect(err).toBeInstanceOf(ZodError);
    expect((err as ZodError).issues.some((i) => i.path.join('.') === 'data.error.metadata.error_type')).toBe(true);
  });

  it('usage.cost_details without the upstream costs makes the SDK throw a ZodError', async () => {
    fake.reply({ steps: text('hi'), usage: { cost_details: { upstream_inference_cost: null } } });
    const err = await rejectionOf(collect(await openStream()));
    expect(err).toBeInstanceOf(ZodError);
  });

  it('a dropped socket mid-stream throws TypeError "terminated" from the iterator', async () => {
    // The gate makes it deterministic: the client has read 'partial' before the socket dies
    // (otherwise undici may discard bytes it received but had not handed out yet).
    const gate = new Gate();
    fake.reply({ steps: [{ content: 'partial' }, { gate }, { drop: true }] });
    const stream = await openStream();
    const seen: string[] = [];
    const err = await rejectionOf((async () => {
      for await (const c of stream) {
        seen.push(c.choices[0]?.delta.content ?? '');
        gate.open();
      }
    })());
    expect(seen).toEqual(['partial']);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('terminated');
    expect(fake.chatRecords()[0]!.response.state).toBe('dropped');
  });

  it('a drop right after the headers, with nobody reading yet, still drops', async () => {
    fake.reply({ steps: [{ drop: true }] });
    const stream = await openStream();
    await fake.waitFor(() => fake.chatRecords()[0]!.response.state === 'dropped', { what: 'dropped' });
    const err = await rejectionOf(collect(stream));
    expect(err).toBeInstanceOf(TypeError);
  });

  it('a drop before any response (non-streaming) makes send() reject with ConnectionError', async () => {
    fake.reply({ steps: [{ drop: true }] });
    const err = await rejectionOf(client.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: USER } }));
    expect(err).toBeInstanceOf(errors.ConnectionError);
    expect((err as Error).message).toMatch(/^Unable to make request/);
  });
});

describe('non-streaming chat completions', () => {
  it('returns message.content, message.images and usage; system_fingerprint null is accepted', async () => {
    fake.reply({ steps: [...text('Here is your image'), { images: [PNG_1X1] }] });
    const res = (await client.chat.send({
      chatRequest: { model: 'openai/gpt-5-image-mini', messages: USER, modalities: ['image', 'text'] },
    })) as ChatResult;
    expect(res).not.toBeInstanceOf(EventStream);
    expect(res.object).toBe('chat.completion');
    expect(res.systemFingerprint).toBeNull();
    const msg = res.choices[0]!.message;
    expect(msg.content).toBe('Here is your image');
    expect(msg.images?.map((i) => i.imageUrl.url)).toEqual([PNG_1X1]);
    expect(res.choices[0]!.finishReason).toBe('stop');
    expect(res.usage?.cost).toBeGreaterThan(0);
    expect(fake.chatRequests()[0].stream).toBe(false);
  });

  it('a gate holds a non-streaming response too', async () => {
    const gate = new Gate();
    fake.reply({ steps: [{ gate }, { content: 'late' }] });
    const p = client.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: USER } });
    await gate.reached;
    expect(fake.inFlight()).toBe(1);
    expect(fake.chatRecords()[0]!.response.state).toBe('pending');
    gate.open();
    const res = (await p) as ChatResult;
    expect(res.choices[0]!.message.content).toBe('late');
  });
});

describe('the request body is recorded as sent on the wire (snake_case)', () => {
  it('records image_config, modalities, max_tokens, top_p and image_url parts', async () => {
    await client.chat.send({
      chatRequest: {
        model: 'openai/gpt-5-image',
        modalities: ['image', 'text'],
        imageConfig: { aspect_ratio: '16:9', image_size: '2K' },
        maxTokens: 500,
        topP: 0.9,
        seed: 42,
        messages: [{
          role: 'user',
          content: [
            { type: 'text', text: 'Make it blue' },
            { type: 'image_url', imageUrl: { url: PNG_1X1 } },
          ],
        }],
        stream: false,
      },
    });
    const body = fake.chatRequests()[0];
    expect(body.image_config).toEqual({ aspect_ratio: '16:9', image_size: '2K' });
    expect(body.modalities).toEqual(['image', 'text']);
    expect(body.max_tokens).toBe(500);
    expect(body.top_p).toBe(0.9);
    expect(body.seed).toBe(42);
    expect(body.messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: PNG_1X1 } });
    expect(body).not.toHaveProperty('imageConfig');
    expect(body).not.toHaveProperty('maxTokens');
  });
});

describe('error responses map to the SDK error classes', () => {
  const cases: [number, new (...args: any[]) => errors.OpenRouterError][] = [
    [400, errors.BadRequestResponseError],
    [401, errors.UnauthorizedResponseError],
    [402, errors.PaymentRequiredResponseError],
    [403, errors.ForbiddenResponseError],
    [404, errors.NotFoundResponseError],
    [408, errors.RequestTimeoutResponseError],
    [413, errors.PayloadTooLargeResponseError],
    [422, errors.UnprocessableEntityResponseError],
    [429, errors.TooManyRequestsResponseError],
    [500, errors.InternalServerResponseError],
    [502, errors.BadGatewayResponseError],
    [503, errors.ServiceUnavailableResponseError],
    [524, errors.EdgeNetworkTimeoutResponseError],
    [529, errors.ProviderOverloadedResponseError],
  ];
  it.each(cases)('status %i → %o', async (status, Cls) => {
    fake.reply({ status, error: { message: `failure ${status}`, metadata: { provider_name: 'OpenAI' } } });
    const err = await rejectionOf(openStream());
    expect(err).toBeInstanceOf(Cls);
    expect(err).toBeInstanceOf(errors.OpenRouterError);
    const e = err as errors.OpenRouterError & { error: { code: number; message: string; metadata?: unknown } };
    expect(e.name).toBe(Cls.name);
    expect(e.statusCode).toBe(status);
    expect(e.message).toBe(`failure ${status}`);
    expect(e.error).toEqual({ code: status, message: `failure ${status}`, metadata: { provider_name: 'OpenAI' } });
  });

  it('402 out of credits', async () => {
    fake.reply(replies.noCredits());
    const err = await rejectionOf(openStream());
    expect(err).toBeInstanceOf(errors.PaymentRequiredResponseError);
    expect((err as Error).message).toMatch(/credits/i);
  });

  it('403 moderation carries metadata.reasons and flagged_input', async () => {
    fake.reply(replies.moderation(['violence'], 'some bad words'));
    const err = (await rejectionOf(openStream())) as errors.ForbiddenResponseError;
    expect(err).toBeInstanceOf(errors.ForbiddenResponseError);
    expect(err.error.metadata).toMatchObject({ reasons: ['violence'], flagged_input: 'some bad words' });
  });

  it('429 carries the Retry-After header', async () => {
    fake.reply(replies.rateLimited(7));
    const err = (await rejectionOf(openStream())) as errors.TooManyRequestsResponseError;
    expect(err).toBeInstanceOf(errors.TooManyRequestsResponseError);
    expect(err.headers.get('retry-after')).toBe('7');
  });

  it('an unlisted status falls back to OpenRouterDefaultError', async () => {
    fake.reply({ status: 409, error: { message: 'conflict' } });
    const err = await rejectionOf(openStream());
    expect(err).toBeInstanceOf(errors.OpenRouterDefaultError);
    expect((err as Error).message).toMatch(/^API error occurred: Status 409/);
  });

  it('a missing API key → 401 "No auth credentials found"', async () => {
    const anon = new OpenRouter({ serverURL: fake.baseUrl, retryConfig: { strategy: 'none' } });
    const err = await rejectionOf(anon.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: USER } }));
    expect(err).toBeInstanceOf(errors.UnauthorizedResponseError);
    expect((err as Error).message).toBe('No auth credentials found');
    expect(fake.chatRecords()[0]!.headers.authorization).toBeUndefined();
  });

  it('GET /key answers the calling key in the shape the SDK validates, and 401 for a wrong one', async () => {
    fake.account.limit = 10;
    fake.account.limitReset = 'monthly';
    const { data } = await client.apiKeys.getCurrentKeyMetadata();
    expect(data).toMatchObject({ label: 'sk-or-v1-te...est', limit: 10, limitRemaining: 10, limitReset: 'monthly', isFreeTier: false });
    fake.apiKey = 'the-right-key';
    const err = await rejectionOf(client.apiKeys.getCurrentKeyMetadata());
    expect(err).toBeInstanceOf(errors.UnauthorizedResponseError);
  });

  it('a wrong key is rejected when the fake is given one', async () => {
    fake.apiKey = 'the-right-key';
    const err = await rejectionOf(openStream());
    expect(err).toBeInstanceOf(errors.UnauthorizedResponseError);
    expect((err as Error).message).toBe('User not found.');
  });

  it('an unknown model → 400 "<id> is not a valid model ID", and does not consume the queue', async () => {
    fake.reply({ steps: text('queued') });
    const err = await rejectionOf(openStream('openai/gpt-9000'));
    expect(err).toBeInstanceOf(errors.BadRequestResponseError);
    expect((err as Error).message).toBe('openai/gpt-9000 is not a valid model ID');
    expect(fake.pendingReplies()).toBe(1);
  });

  it('empty messages → 400', async () => {
    const err = await rejectionOf(openStream('openai/gpt-5', []));
    expect(err).toBeInstanceOf(errors.BadRequestResponseError);
    expect((err as errors.BadRequestResponseError).statusCode).toBe(400);
  });

  it('a numeric error step in a non-streaming request becomes an HTTP error', async () => {
    fake.reply({ steps: [{ content: 'x' }, { error: { code: 502, message: 'provider died' } }] });
    const err = await rejectionOf(client.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: USER } }));
    expect(err).toBeInstanceOf(errors.BadGatewayResponseError);
  });
});

describe('GET /models', () => {
  it('parses the full model shape and filters by output modality', async () => {
    const page = await client.models.list({ outputModalities: 'image' });
    const ids = page.result.data.map((m) => m.id);
    expect(ids).toEqual([
      'openai/gpt-5-image-mini',
      'openai/gpt-5-image',
      'openai/gpt-5.4-image-2',
      'google/gemini-3-pro-image-preview',
    ]);
    expect(page.result.totalCount).toBe(4);
    const mini = page.result.data[0]!;
    expect(mini.name).toBe('OpenAI: GPT-5 Image Mini');
    expect(mini.contextLength).toBe(400000);
    expect(mini.architecture.inputModalities).toEqual(['file', 'image', 'text']);
    expect(mini.architecture.outputModalities).toEqual(['image', 'text']);
    expect(mini.pricing.prompt).toBe('0.0000025');
    expect(mini.topProvider.isModerated).toBe(true);
    expect(fake.requests[0]!.query.output_modalities).toBe('image');
  });

  it('defaults to text-output models; "all" and edits to fake.models are honoured', async () => {
    fake.models.push({ id: 'black-forest-labs/flux-pro', input_modalities: ['text'], output_modalities: ['image'] });
    const textOnly = await client.models.list();
    expect(textOnly.result.data.map((m) => m.id)).not.toContain('black-forest-labs/flux-pro');
    expect(textOnly.result.data.map((m) => m.id)).toContain('openai/gpt-5');
    const all = await client.models.list({ outputModalities: 'all' });
    expect(all.result.data).toHaveLength(6);
    const image = await client.models.list({ outputModalities: 'image' });
    expect(image.result.data.map((m) => m.id)).not.toContain('openai/gpt-5');
    expect(image.result.data.map((m) => m.id)).toContain('black-forest-labs/flux-pro');
  });
});

describe('raw wire format', () => {
  it('writes exactly OpenRouter SSE lines for a delta.images chunk', async () => {
    fake.reply({ steps: [{ content: 'Hi' }, { images: [PNG_1X1] }], usage: { prompt_tokens: 12, completion_tokens: 34 } });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-5-image-mini', messages: USER, stream: true, modalities: ['image', 'text'] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const genId = res.headers.get('x-generation-id');
    expect(genId).toMatch(/^gen-/);

    const body = await res.text();
    const events = body.split('\n\n');
    expect(events.at(-1)).toBe(''); // ends with a blank line
    expect(events[0]).toBe(': OPENROUTER PROCESSING');
    expect(events.at(-2)).toBe('data: [DONE]');
    const data = events.slice(1, -2).map((e) => {
      expect(e.startsWith('data: ')).toBe(true);
      expect(e).not.toContain('\n'); // one line per event
      return JSON.parse(e.slice('data: '.length));
    });
    expect(data).toHaveLength(3);
    const [first, img, last] = data;
    for (const d of data) {
      expect(d).toMatchObject({ id: genId, object: 'chat.completion.chunk', model: 'openai/gpt-5-image-mini', provider: 'OpenAI' });
      expect(Number.isInteger(d.created)).toBe(true);
    }
    expect(first.choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null, native_finish_reason: null, logprobs: null },
    ]);
    expect(events[2]).toBe(
      `data: {"id":"${genId}","provider":"OpenAI","model":"openai/gpt-5-image-mini","object":"chat.completion.chunk",` +
        `"created":${img.created},"choices":[{"index":0,"delta":{"role":"assistant","content":"",` +
        `"images":[{"type":"image_url","image_url":{"url":"${PNG_1X1}"}}]},` +
        `"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}`,
    );
    expect(last.choices[0].finish_reason).toBe('stop');
    expect(last.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 34,
      total_tokens: 46,
      is_byok: false,
      prompt_tokens_details: expect.any(Object),
      completion_tokens_details: expect.any(Object),
      cost_details: {
        upstream_inference_prompt_cost: expect.any(Number),
        upstream_inference_completions_cost: expect.any(Number),
      },
    });
    expect(last.usage.cost).toBeCloseTo(12 * 0.0000025 + 34 * 0.000002, 12);
  });

  it('401 without Authorization, as JSON', async () => {
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-5', messages: USER }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ error: { message: 'No auth credentials found', code: 401 } });
  });

  it('error responses carry code = status and the given headers', async () => {
    fake.reply({ status: 503, headers: { 'Retry-After': '3' }, error: { message: 'no providers' } } satisfies Reply);
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-5', messages: USER, stream: true }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ error: { code: 503, message: 'no providers' }, user_id: 'user_fake' });
  });
});

describe('helpers', () => {
  it('text() splits into token-like pieces or fixed sizes', () => {
    expect(text('Hello big world')).toEqual([{ content: 'Hello' }, { content: ' big' }, { content: ' world' }]);
    expect(text('abcdefg', { chunkSize: 3 })).toEqual([{ content: 'abc' }, { content: 'def' }, { content: 'g' }]);
    expect(text('')).toEqual([]);
    expect(text('a😀b', { chunkSize: 1 })).toEqual([{ content: 'a' }, { content: '😀' }, { content: 'b' }]);
  });

  it('waitFor resolves on progress and rejects with "what" on timeout', async () => {
    const waiting = fake.waitFor(() => fake.chatRequests()[0], { what: 'first chat request' });
    await collect(await openStream());
    expect((await waiting).model).toBe('openai/gpt-5');
    await expect(fake.waitFor(() => false, { timeoutMs: 20, what: 'never' })).rejects.toThrow(/never/);
  });

  it('stop() ends gated and stalled streams without hanging', async () => {
    const gate = new Gate();
    fake.reply({ steps: [{ gate }] });
    fake.reply({ steps: [{ stall: true }] });
    const s1 = await openStream();
    const s2 = await openStream();
    await fake.waitFor(() => fake.streamsOpen() === 2, { what: 'two open streams' });
    const r1 = rejectionOf(collect(s1));
    const r2 = rejectionOf(collect(s2));
    await fake.stop();
    expect(await r1).toBeInstanceOf(TypeError);
    expect(await r2).toBeInstanceOf(TypeError);
    expect(fake.streamsOpen()).toBe(0);
  });
});
