/** What Discord's X-RateLimit-* headers said about the bucket after a request. */
export interface RateLimitInfo {
  remaining: number;
  resetAfterMs: number;
}

/**
 * The bucket state a response reported, or undefined when it reported none. The client a request
 * went through reads Reset-After `offsetMs` early (discord/rest-requests.ts), and lets a request through
 * to an empty bucket from then plus that offset: the bucket's own reset.
 */
export function bucketState(headers: { get(name: string): string | null }, offsetMs: number): RateLimitInfo | undefined {
  const remainingHeader = headers.get('x-ratelimit-remaining');
  const resetHeader = headers.get('x-ratelimit-reset-after');
  if (remainingHeader === null || resetHeader === null) return undefined;
  const remaining = Number(remainingHeader);
  const resetAfter = Number(resetHeader);
  if (!Number.isFinite(remaining) || !Number.isFinite(resetAfter)) return undefined;
  return { remaining, resetAfterMs: resetAfter * 1000 + offsetMs };
}

/** What a 429 was counted against: Discord's X-RateLimit-Scope, or, without one, global or the bot's own. */
export function rateLimitScope(headers: { get(name: string): string | null }): string {
  return headers.get('x-ratelimit-scope') ?? (headers.get('x-ratelimit-global') !== null ? 'global' : 'user');
}
