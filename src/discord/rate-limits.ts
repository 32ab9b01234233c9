import { RESTEvents, type REST } from 'discord.js';
import type { RateLimitInfo } from './edit-scheduler.js';

function parse(headers: Headers, offsetMs: number): RateLimitInfo | undefined {
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const resetAfter = Number(headers.get('x-ratelimit-reset-after'));
  if (headers.get('x-ratelimit-remaining') === null || !Number.isFinite(remaining) || !Number.isFinite(resetAfter)) return undefined;
  // discord.js holds a request to an empty bucket until `offset` ms after the reset; text read
  // for an edit any earlier would go out that much staler.
  return { remaining, resetAfterMs: resetAfter * 1000 + offsetMs };
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * discord.js resolves an edit with the message only; the bucket state it read from the response
 * headers reaches us through its `response` event, matched here by method and path.
 */
export class RateLimitTracker {
  private readonly watched = new Map<string, RateLimitInfo | undefined>();

  constructor(rest: REST) {
    rest.on(RESTEvents.Response, (request, response) => {
      // discord.js reports the path as sent, percent-encoded ('/messages/%40original').
      const key = `${request.method.toUpperCase()} ${decodePath(request.path)}`;
      if (!this.watched.has(key)) return;
      const offset = rest.options.offset;
      this.watched.set(key, parse(response.headers as Headers, typeof offset === 'number' ? offset : offset(request.route)));
    });
  }

  /** Runs a request and returns the bucket state its (last) response reported. */
  async measure(method: string, path: string, run: () => Promise<unknown>): Promise<RateLimitInfo | undefined> {
    const key = `${method} ${path}`;
    this.watched.set(key, undefined);
    try {
      await run();
      return this.watched.get(key);
    } finally {
      this.watched.delete(key);
    }
  }
}
