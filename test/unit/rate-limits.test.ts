import { describe, expect, it } from 'vitest';
import { bucketState } from '../../src/discord/rate-limits.js';

describe('bucketState', () => {
  it('reads the remaining requests and the reset, with the REST client’s reset offset counted in', () => {
    expect(bucketState(new Headers({ 'X-RateLimit-Remaining': '3', 'X-RateLimit-Reset-After': '1.250' }), 50)).toEqual({ remaining: 3, resetAfterMs: 1300 });
  });

  it('reports nothing for a response without rate-limit headers, or with ones it cannot read', () => {
    expect(bucketState(new Headers(), 0)).toBeUndefined();
    expect(bucketState(new Headers({ 'X-RateLimit-Remaining': '1' }), 0)).toBeUndefined();
    expect(bucketState(new Headers({ 'X-RateLimit-Remaining': 'x', 'X-RateLimit-Reset-After': '1' }), 0)).toBeUndefined();
  });
});
