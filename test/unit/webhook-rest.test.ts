import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordAPIError, HTTPError } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookRest } from '../../src/discord/webhook-rest.js';

const ROUTE = '/webhooks/123456789012345678/interaction-token/messages/@original' as const;

interface Arrival {
  at: number;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  socket: unknown;
}

let server: Server | undefined;
let client: WebhookRest | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A Discord answering each request with `answer(request number, arrival)`; undefined leaves it hanging. */
async function discord(answer: (n: number, arrival: Arrival, res: ServerResponse) => void): Promise<{ api: string; arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrival = { at: performance.now(), method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks), socket: req.socket };
      arrivals.push(arrival);
      answer(arrivals.length, arrival, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { api: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api`, arrivals };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const ok = (res: ServerResponse, remaining = 4, content = 'x'.repeat(3000)) =>
  json(res, 200, { id: '323456789012345678', content }, { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset-after': '4.250', 'x-ratelimit-bucket': 'abc' });
const limited = (res: ServerResponse, retryAfterSec: number, global = false) =>
  json(
    res,
    429,
    { message: 'You are being rate limited.', retry_after: retryAfterSec, global },
    global ? { 'retry-after': '1', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' } : { 'retry-after': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': retryAfterSec.toFixed(3), 'x-ratelimit-scope': 'user' },
  );

function start(api: string, extra: { timeoutMs?: number } = {}) {
  const scopes: string[] = [];
  client = new WebhookRest({ api, report429: (scope) => scopes.push(scope), ...extra });
  return { rest: client, scopes };
}

describe('WebhookRest', () => {
  it('sends the message as JSON under the API version, without the bot’s token, and reads the bucket state and the message', async () => {
    const { api, arrivals } = await discord((_, __, res) => ok(res, 3));
    const { rest } = start(api);
    const sent = await rest.send<{ id: string }>('POST', '/webhooks/1/tok', { body: { content: 'hello' }, query: new URLSearchParams({ wait: 'true' }) });
    expect(sent.data.id).toBe('323456789012345678');
    expect(sent.info).toEqual({ remaining: 3, resetAfterMs: 4250 });
    const [arrival] = arrivals;
    expect(arrival!.url).toBe('/api/v10/webhooks/1/tok?wait=true');
    expect(arrival!.headers['content-type']).toBe('application/json');
    expect(arrival!.headers['user-agent']).toMatch(/^DiscordBot \(https:\/\/discord\.js\.org, [\d.]+\)/);
    expect(arrival!.headers.authorization).toBeUndefined();
    expect(JSON.parse(arrival!.body.toString())).toEqual({ content: 'hello' });
  });

  it('edits on kept-alive connections: each answer is read to its end, not left holding its socket', async () => {
    // Longer than undici buffers unread (an answer left unread would hold its connection), and than
    // what undici's dump reads by default before it closes the connection.
    const { api, arrivals } = await discord((_, __, res) => ok(res, 4, 'x'.repeat(200_000)));
    const { rest } = start(api);
    for (let i = 0; i < 6; i++) expect(await rest.edit(ROUTE, { body: { content: `edit ${i}` } })).toEqual({ remaining: 4, resetAfterMs: 4250 });
    expect(arrivals.map((a) => a.method)).toEqual(Array(6).fill('PATCH'));
    // undici hands a request the next free connection; one that is free again only a moment after
    // its answer was read is passed over once, so two take turns.
    expect(new Set(arrivals.map((a) => a.socket)).size).toBeLessThanOrEqual(2);
  });

  it('sends files as multipart parts beside the message’s payload_json', async () => {
    const { api, arrivals } = await discord((_, __, res) => ok(res));
    const { rest } = start(api);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    await rest.edit(ROUTE, { body: { content: 'with a file', attachments: [{ id: '0', filename: 'image-1.png' }] }, files: [{ name: 'image-1.png', data: png }] });
    const arrival = arrivals[0]!;
    const form = await new Request('http://x', { method: 'POST', headers: { 'content-type': String(arrival.headers['content-type']) }, body: new Uint8Array(arrival.body) }).formData();
    expect(JSON.parse(String(form.get('payload_json')))).toEqual({ content: 'with a file', attachments: [{ id: '0', filename: 'image-1.png' }] });
    const file = form.get('files[0]') as File;
    expect(file.name).toBe('image-1.png');
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(png);
  });

  it('waits out a 429 for as long as Discord says, reports it, and sends again', async () => {
    const { api, arrivals } = await discord((n, _, res) => (n === 1 ? limited(res, 0.2) : ok(res)));
    const { rest, scopes } = start(api);
    expect(await rest.edit(ROUTE, { body: { content: 'a' } })).toEqual({ remaining: 4, resetAfterMs: 4250 });
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(195);
    // The body's retry_after, not the header's whole second.
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeLessThan(900);
    expect(scopes).toEqual(['user']);
  });

  it('holds every request after a global 429 until it has passed', async () => {
    let answerFirst: (() => void) | undefined;
    const { api, arrivals } = await discord((n, _, res) => {
      if (n === 1) answerFirst = () => limited(res, 0.3, true);
      else ok(res);
    });
    const { rest, scopes } = start(api);
    const first = rest.edit(ROUTE, { body: { content: 'a' } });
    await expect.poll(() => answerFirst).toBeDefined();
    answerFirst!();
    await first;
    // Sent after the global 429 was answered, on another route: it waits too.
    await rest.send('POST', '/webhooks/1/other-token', { body: { content: 'b' } });
    const [limitedAt, ...rest2] = arrivals.map((a) => a.at);
    expect(rest2).toHaveLength(2);
    for (const at of rest2) expect(at - limitedAt!).toBeGreaterThanOrEqual(295);
    expect(scopes).toEqual(['global']);
  });

  it('retries a 5xx three times, then throws an HTTPError', async () => {
    const { api, arrivals } = await discord((_, __, res) => json(res, 502, { message: 'Bad Gateway', code: 0 }));
    const { rest } = start(api);
    const error = await rest.edit(ROUTE, { body: { content: 'a' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).status).toBe(502);
    expect(arrivals).toHaveLength(4);
  });

  it('throws Discord’s 4xx as a DiscordAPIError with its code, at once', async () => {
    const { api, arrivals } = await discord((_, __, res) => json(res, 401, { message: 'Invalid Webhook Token', code: 50027 }));
    const { rest } = start(api);
    const error = await rest.send('PATCH', ROUTE, { body: { content: 'a' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50027);
    expect((error as DiscordAPIError).status).toBe(401);
    expect(arrivals).toHaveLength(1);
  });

  it('keeps the words of a 4xx that is not Discord’s JSON (a proxy’s page) as the error’s message', async () => {
    const { api } = await discord((_, __, res) => {
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<html>Access denied</html>');
    });
    const { rest } = start(api);
    const error = await rest.edit(ROUTE, { body: { content: 'a' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).status).toBe(403);
    expect((error as DiscordAPIError).message).toContain('Access denied');
  });

  it('gives up on an attempt whose answer does not come within the timeout, and tries again', async () => {
    const { api, arrivals } = await discord((n, _, res) => (n === 1 ? undefined : ok(res)));
    const { rest } = start(api, { timeoutMs: 300 });
    expect(await rest.edit(ROUTE, { body: { content: 'a' } })).toEqual({ remaining: 4, resetAfterMs: 4250 });
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(290);
  });
});
