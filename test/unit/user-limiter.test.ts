import { describe, expect, it } from 'vitest';
import { explainRefusal, UserLimiter } from '../../src/user-limiter.js';

function setup(limits = { maxRequests: 3, windowMs: 60_000, maxConcurrent: 2 }) {
  let now = 0;
  const limiter = new UserLimiter(limits, () => now);
  return { limiter, advance: (ms: number) => (now += ms) };
}

describe('UserLimiter', () => {
  it('allows up to the limit in the window, then says when to retry', () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 3; i++) {
      const a = limiter.admit('u');
      expect(a.ok).toBe(true);
      if (a.ok) a.release();
      advance(10_000);
    }
    const refused = limiter.admit('u');
    expect(refused).toEqual({ ok: false, reason: 'rate', retryAfterMs: 30_000 });
    if (!refused.ok) expect(explainRefusal(refused)).toBe('⏳ You’ve asked a lot in a short time. Try again in 30 s.');
    advance(30_000);
    expect(limiter.admit('u').ok).toBe(true);
  });

  it('caps answers running at once, per user', () => {
    const { limiter } = setup({ maxRequests: 100, windowMs: 60_000, maxConcurrent: 1 });
    const first = limiter.admit('u');
    expect(first.ok).toBe(true);
    const second = limiter.admit('u');
    expect(second).toEqual({ ok: false, reason: 'concurrent', running: 1 });
    expect(limiter.admit('someone else').ok).toBe(true);
    if (first.ok) {
      first.release();
      first.release();
    }
    expect(limiter.admit('u').ok).toBe(true);
  });

  it('forgets users with nothing recent or running', () => {
    const { limiter, advance } = setup();
    const a = limiter.admit('u');
    advance(61_000);
    if (a.ok) a.release();
    expect(limiter.trackedUsers).toBe(0);
  });
});
