import { describe, expect, it } from 'vitest';
import { bucketAllowsAt, completeAt, floorLagMs, sampleLag, sharedPrefix, upstreamFrom, valueAt, visibleAcross } from '../../bench/metrics.js';
import { quantile, summarize } from '../../bench/stats.js';

const sse = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

describe('bench metrics', () => {
  it('reads content deltas and their times out of SSE frames, skipping comments and empty deltas', () => {
    const up = upstreamFrom([': OPENROUTER PROCESSING\n\n', sse('\n'), sse('Hello'), sse(''), sse(' world'), 'data: [DONE]\n\n'], [0, 5, 10, 11, 20, 30]);
    expect(up.text).toBe('\nHello world');
    expect(up.points).toEqual([
      { at: 5, chars: 1 },
      { at: 10, chars: 6 },
      { at: 20, chars: 12 },
    ]);
    expect(up.firstToken).toEqual({ at: 10, text: 'Hello' });
    expect(up.endAt).toBe(30);
  });

  it('counts only the model text a message shows, not a footer after it', () => {
    expect(sharedPrefix('Hello wor', 'Hello world')).toBe(9);
    expect(visibleAcross([{ edits: [{ at: 1, content: '' }, { at: 2, content: 'Hello world\n-# model · 3 tokens' }] }], 'Hello world')).toEqual([
      { at: 1, chars: 0 },
      { at: 2, chars: 11 },
    ]);
  });

  it('follows a reply into its follow-up messages, covering the white space the split dropped between them', () => {
    const text = 'First part.\n\nSecond part.';
    const first = { edits: [{ at: 1, content: 'First' }, { at: 3, content: 'First part.' }] };
    const second = { edits: [{ at: 2, content: 'Second' }, { at: 4, content: 'Second part.\n-# model' }] };
    // At 2 the follow-up shows text past a gap the first message has not filled yet: not visible.
    expect(visibleAcross([first, second], text)).toEqual([
      { at: 1, chars: 5 },
      { at: 2, chars: 5 },
      { at: 3, chars: 19 },
      { at: 4, chars: text.length },
    ]);
  });

  it('counts a continuation that starts the text again (the interaction expired) from where it starts', () => {
    const original = { edits: [{ at: 1, content: 'Hello' }] };
    const continuation = { edits: [{ at: 2, content: 'Hello wo' }, { at: 3, content: 'Hello world\n-# model' }] };
    expect(visibleAcross([original, continuation], 'Hello world')).toEqual([
      { at: 1, chars: 5 },
      { at: 2, chars: 8 },
      { at: 3, chars: 11 },
    ]);
  });

  it('ignores a message that shows none of the text (a notice, a progress line)', () => {
    const progress = { edits: [{ at: 1, content: '-# 💭 Thinking…' }] };
    expect(visibleAcross([progress, { edits: [{ at: 2, content: 'Hi' }] }], 'Hi')).toEqual([{ at: 2, chars: 2 }]);
  });

  it('step functions hold their value until the next point', () => {
    const points = [
      { at: 10, chars: 3 },
      { at: 20, chars: 7 },
    ];
    expect([valueAt(points, 5), valueAt(points, 10), valueAt(points, 19), valueAt(points, 25)]).toEqual([0, 3, 3, 7]);
  });

  it('lag in ms is the age of the oldest character not yet shown', () => {
    // Upstream: 10 chars at t=0, 10 more at t=100. Visible: the first 10 at t=50, all at t=150.
    const upstream = [
      { at: 0, chars: 10 },
      { at: 100, chars: 20 },
    ];
    const visible = [
      { at: 50, chars: 10 },
      { at: 150, chars: 20 },
    ];
    const lag = sampleLag(upstream, visible, 0, 150, 25);
    expect(lag.chars).toEqual([10, 10, 0, 0, 10, 10, 0]);
    expect(lag.ms).toEqual([0, 25, 0, 0, 0, 25, 0]);
  });

  it('the floor is half the interval the bucket sustains', () => {
    expect(floorLagMs({ limit: 5, windowMs: 5000 })).toBe(500);
    expect(floorLagMs({ limit: 5, windowMs: 2000 })).toBe(200);
  });

  it('finds when the whole text became visible, and when the bucket let the final edit go', () => {
    expect(completeAt([{ at: 1, chars: 3 }, { at: 9, chars: 5 }], 5)).toBe(9);
    expect(completeAt([{ at: 1, chars: 3 }], 5)).toBeUndefined();
    const responses = [
      { answeredAt: 100, remaining: 1, resetAfterMs: 900 },
      { answeredAt: 300, remaining: 0, resetAfterMs: 700 },
    ];
    expect(bucketAllowsAt(responses, 200)).toBe(200);
    expect(bucketAllowsAt(responses, 400)).toBe(1000);
    expect(bucketAllowsAt(responses, 1200)).toBe(1200);
  });

  it('quantiles interpolate between ranks', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]).p95).toBe(20);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
});
