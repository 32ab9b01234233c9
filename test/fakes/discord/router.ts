/** The REST route table: a route's pattern, bucket, auth rule and handler. */
import { isObj, type Json } from './json.js';
import type { Bucket, Limit } from './rate-limits.js';
import type { Reply } from './replies.js';
import type { RecordedFile, RecordedRequest } from './types.js';

export interface Ctx {
  rec: RecordedRequest;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: RecordedFile[];
  /** Run after the HTTP answer has been written (gateway dispatches). */
  after: (fn: () => void) => void;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;
export type BucketFor = (params: Record<string, string>) => Bucket;

export interface Route {
  method: string;
  re: RegExp;
  /** Template used for the bucket hash (like discord.js' bucketRoute). */
  template: string;
  auth: boolean;
  /** Custom bucket: returns config + key; default bucket keyed per template + major parameter. */
  bucket?: BucketFor;
  handle: Handler;
}

/** A named snowflake path segment. */
export const id = (name: string): string => `(?<${name}>\\d{17,19})`;

/** The body as an object (Discord ignores a body that is not one). */
export const bodyOf = (ctx: { body: unknown }): Json => (isObj(ctx.body) ? ctx.body : {});

/**
 * A bucket under the edit limits (read at request time: a test can change them), counted per
 * `counter` and the top-level resource `key` returns, and named `hash` in its answers.
 */
export function editBucket(limit: () => Limit, counter: string, hash: string, key: (p: Record<string, string>) => string): BucketFor {
  return (p) => ({ limit: limit(), key: `${counter}:${key(p)}`, hash });
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, template: string, auth: boolean, handle: Handler, bucket?: BucketFor): void {
    this.routes.push({ method, re: new RegExp(`^${pattern}$`), template, auth, handle, ...(bucket ? { bucket } : {}) });
  }

  /** The route for a request; `pathKnown` tells 405 (another method matches) from 404. */
  match(method: string, path: string): { route?: Route; params: Record<string, string>; pathKnown: boolean } {
    let pathKnown = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (r.method !== method) continue;
      return { route: r, params: { ...(m.groups ?? {}) }, pathKnown };
    }
    return { params: {}, pathKnown };
  }
}
