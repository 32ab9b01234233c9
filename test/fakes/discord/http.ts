/**
 * REST plumbing: reads and records each request, parses JSON and multipart bodies, applies injected
 * faults, then routes it through auth, its rate-limit bucket and the size limit to its handler.
 */
import { Buffer } from 'node:buffer';
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Cdn } from './cdn.js';
import type { Core } from './core.js';
import type { Faults, StoredRule } from './faults.js';
import { bucketHash, majorParameter, RateLimits, type Bucket } from './rate-limits.js';
import { errBody, type Reply } from './replies.js';
import type { Ctx, Route, Router } from './router.js';
import type { RecordedFile, RecordedRequest } from './types.js';

const API_PREFIX = /^\/api\/v(\d+)(\/.*)?$/;

interface Incoming {
  rec: RecordedRequest;
  url: URL;
  raw: Buffer<ArrayBuffer>;
  /** Bytes received, also those dropped once the body was far too large to keep. */
  total: number;
  tooLarge: boolean;
}

type Parsed = { body: unknown; files: RecordedFile[] } | { invalid: Reply };

const invalidJson = (): Reply => ({ status: 400, body: errBody('The request body contains invalid JSON.', 50109) });

export class RestServer {
  private readonly limits = new RateLimits();
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(
    private readonly core: Core,
    private readonly cdn: Cdn,
    private readonly router: Router,
    private readonly faults: Faults,
    /** The one token this Discord accepts for bot routes. */
    private readonly botToken: () => string,
  ) {}

  /** When every bucket's window has ended: from then on each one starts a full window afresh. */
  get bucketsRestAt(): number {
    return this.limits.restingAt;
  }

  async onHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', this.core.origin);
    if (this.cdn.serve(req.method, url.pathname, at, res)) return;

    const api = API_PREFIX.exec(url.pathname);
    const incoming = await this.read(req, url, api, at);
    const { rec } = incoming;
    const answer = (reply: Reply, injected = false): void => this.answer(res, rec, reply, injected);

    if (!api || (api[1] !== '10' && api[1] !== '9')) {
      answer({ status: 404, body: errBody('404: Not Found', 0) });
      return;
    }
    const parsed = await this.parse(incoming);
    if ('invalid' in parsed) {
      answer(parsed.invalid);
      return;
    }

    const rule = this.faults.take(rec.method, rec.path);
    if (rule && !(await this.applyFault(rule, rec, res, answer))) return;
    await this.route(incoming, parsed, answer);
  }

  /** Destroys the requests a test made hang. */
  stop(): void {
    for (const res of this.hanging) res.destroy();
  }

  private async read(req: http.IncomingMessage, url: URL, api: RegExpExecArray | null, at: number): Promise<Incoming> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = api ? decodeURIComponent(api[2] ?? '/') : decodeURIComponent(url.pathname);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const rec: RecordedRequest = { at, method, path, query, headers, status: 0 };
    this.core.requests.push(rec);

    const chunks: Buffer[] = [];
    let total = 0;
    let tooLarge = false;
    for await (const chunk of req) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > this.core.opts.maxRequestBytes + 1024 * 1024) tooLarge = true;
      if (!tooLarge) chunks.push(b);
    }
    this.core.changed();
    return { rec, url, raw: Buffer.concat(chunks), total, tooLarge };
  }

  /** JSON, or multipart with `payload_json` and `files[n]`; recorded on the request. */
  private async parse({ rec, url, raw }: Incoming): Promise<Parsed> {
    if (raw.length === 0) return { body: undefined, files: [] };
    const ct = rec.headers['content-type'] ?? '';
    if (!ct.startsWith('multipart/form-data')) {
      try {
        rec.json = JSON.parse(raw.toString('utf8'));
      } catch {
        return { invalid: invalidJson() };
      }
      return { body: rec.json, files: [] };
    }
    let body: unknown;
    const files: RecordedFile[] = [];
    try {
      const form = await new Request(url, { method: 'POST', headers: { 'content-type': ct }, body: raw }).formData();
      const fields: Record<string, unknown> = {};
      for (const [field, value] of form.entries()) {
        if (typeof value !== 'string') {
          files.push({ field, filename: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
        } else if (field === 'payload_json') body = JSON.parse(value);
        else fields[field] = value;
      }
      if (body === undefined && Object.keys(fields).length) body = fields;
    } catch {
      return { invalid: invalidJson() };
    }
    rec.files = files;
    rec.json = body;
    return { body, files };
  }

  /** Applies an injected fault; true when the request should still be handled normally. */
  private async applyFault(rule: StoredRule, rec: RecordedRequest, res: http.ServerResponse, answer: (reply: Reply, injected: boolean) => void): Promise<boolean> {
    if (rule.hang) {
      rec.injected = true;
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      this.core.changed();
      return false;
    }
    if (rule.delayMs) {
      await new Promise<void>((r) => this.core.later(rule.delayMs!, r));
      if (this.core.stopped) return false;
    }
    const { route, params } = this.router.match(rec.method, rec.path);
    const bucket = route ? this.bucketOf(rec.method, rec.path, route, params) : undefined;
    const hash = bucket?.hash ?? bucketHash(rec.method, route?.template ?? rec.path);
    const reply = this.faults.answerOf(rule, { hash, limit: (bucket?.limit ?? this.core.opts.defaultBucket).limit });
    if (!reply) return true;
    answer(reply, true);
    return false;
  }

  private async route(incoming: Incoming, parsed: { body: unknown; files: RecordedFile[] }, answer: (reply: Reply) => void): Promise<void> {
    const { rec, url, total, tooLarge } = incoming;
    const { method, path, at } = rec;
    const { route, params, pathKnown } = this.router.match(method, path);
    if (!route) {
      const reply: Reply = pathKnown
        ? { status: 405, body: errBody('405: Method Not Allowed', 0) }
        : { status: 404, body: errBody('404: Not Found', 0) };
      answer(this.limits.withBucket(reply, { limit: this.core.opts.defaultBucket, key: `unknown:${method}:${majorParameter(path)}` }, bucketHash(method, 'unknown'), at));
      return;
    }

    const bucket = this.bucketOf(method, path, route, params);
    const hash = bucket.hash ?? bucketHash(method, route.template);
    if (route.auth && rec.headers.authorization !== `Bot ${this.botToken()}`) {
      answer({ status: 401, body: errBody('401: Unauthorized', 0) });
      return;
    }
    // The routes here that take no bot token are the interaction endpoints (the callback and the
    // interaction webhooks), which Discord exempts from the global limit.
    const globally = route.auth ? this.limits.consumeGlobal(this.core.opts.globalLimit, this.botToken(), at) : undefined;
    if (globally) {
      answer(this.limits.globallyLimited(globally));
      return;
    }
    const limited = this.limits.consume(bucket, at);
    if (limited) {
      answer(this.limits.rateLimited(bucket, hash, limited));
      return;
    }
    const { maxRequestBytes, attachmentSizeLimit } = this.core.opts;
    if (tooLarge || total > maxRequestBytes || parsed.files.some((f) => f.data.length > attachmentSizeLimit)) {
      answer(this.limits.withBucket({ status: 413, body: errBody('Request entity too large', 40005) }, bucket, hash, at));
      return;
    }

    const afters: (() => void)[] = [];
    const ctx: Ctx = { rec, params, query: url.searchParams, body: parsed.body, files: parsed.files, after: (fn) => afters.push(fn) };
    this.core.hold();
    let reply: Reply;
    try {
      reply = await route.handle(ctx);
    } catch (err) {
      reply = { status: 500, body: errBody(`500: Internal Server Error (fake: ${String(err)})`, 0) };
    } finally {
      this.core.release();
    }
    answer(this.limits.withBucket(reply, bucket, hash, at));
    this.core.flush();
    for (const fn of afters) setImmediate(() => fn());
  }

  /** The route's own bucket, or the default one per route and major parameter. */
  private bucketOf(method: string, path: string, route: Route, params: Record<string, string>): Bucket {
    return route.bucket?.(params) ?? { limit: this.core.opts.defaultBucket, key: `${bucketHash(method, route.template)}:${majorParameter(path)}` };
  }

  private answer(res: http.ServerResponse, rec: RecordedRequest, reply: Reply, injected: boolean): void {
    if (this.core.stopped || res.destroyed) return;
    const headers: Record<string, string> = { Date: new Date().toUTCString(), Via: '1.1 google', ...reply.headers };
    let payload: string | undefined;
    if (reply.status !== 204 && reply.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(reply.body);
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
    rec.status = reply.status;
    rec.answeredAt = performance.now();
    rec.response = reply.body;
    rec.responseHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    if (injected) rec.injected = true;
    this.core.changed();
  }
}
