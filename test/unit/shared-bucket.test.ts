import { describe, expect, it } from 'vitest';
import type { RateLimitInfo } from '../../src/discord/rate-limits.js';
import { Buckets, SharedBucket, type Release } from '../../src/discord/shared-bucket.js';
import { deferred, ManualTimers, settle } from '../helpers/manual-timers.js';

/** Writers that ask for a turn and record when they got it; the test ends each turn. */
function setup() {
  const timers = new ManualTimers();
  const bucket = new SharedBucket(timers);
  const turns: { writer: string; at: number; release: Release }[] = [];
  const ask = (writer: string, urgent = false) => bucket.wait(urgent, (release) => turns.push({ writer, at: timers.now(), release }));
  const answer = (info: RateLimitInfo | undefined | 'unsent') => turns.at(-1)!.release(info);
  return { timers, bucket, turns, ask, answer, order: () => turns.map((t) => `${t.writer}@${t.at}`) };
}

describe('SharedBucket', () => {
  it('gives a free bucket’s turn at once, and holds the next writer until the request in flight is answered', () => {
    const { ask, answer, order } = setup();
    ask('a');
    ask('b');
    expect(order()).toEqual(['a@0']);
    answer(undefined);
    expect(order()).toEqual(['a@0', 'b@0']);
  });

  it('spreads the bucket’s remaining requests evenly, the writers taking them in turn', () => {
    const { timers, ask, answer, order } = setup();
    ask('a');
    ask('b');
    answer({ remaining: 4, resetAfterMs: 5000 });
    // a still has news: it asks again, behind b.
    ask('a');
    timers.advance(999);
    expect(order()).toEqual(['a@0']);
    timers.advance(1);
    expect(order()).toEqual(['a@0', 'b@1000']);
    answer({ remaining: 3, resetAfterMs: 4000 });
    ask('b');
    timers.advance(1000);
    expect(order()).toEqual(['a@0', 'b@1000', 'a@2000']);
  });

  it('lets an urgent change go first, as soon as the bucket has room, skipping the even spread', () => {
    const { timers, ask, answer, order } = setup();
    ask('a');
    ask('b');
    ask('final', true);
    answer({ remaining: 2, resetAfterMs: 3000 });
    expect(order()).toEqual(['a@0', 'final@0']);
    answer({ remaining: 1, resetAfterMs: 3000 });
    timers.advance(1500);
    expect(order()).toEqual(['a@0', 'final@0', 'b@1500']);
  });

  it('of the urgent changes waiting, gives the turn first to the writer stale the longest, whatever the order they asked in', () => {
    const { timers, bucket, turns, answer, order } = setup();
    const ask = (writer: string, since: number) => bucket.wait(true, (release) => turns.push({ writer, at: timers.now(), release }), 0, since);
    bucket.wait(false, (release) => turns.push({ writer: 'streaming', at: timers.now(), release }));
    timers.advance(3000);
    // Three answers end at once; what each reader saw was last brought up to date at 2000, 500 and 1200.
    ask('fresh', 2000);
    ask('stalest', 500);
    ask('middle', 1200);
    answer({ remaining: 1, resetAfterMs: 2000 });
    expect(order()).toEqual(['streaming@0', 'stalest@3000']);
    answer({ remaining: 0, resetAfterMs: 2000 });
    timers.advance(2000);
    expect(order()).toEqual(['streaming@0', 'stalest@3000', 'middle@5000']);
    answer({ remaining: 4, resetAfterMs: 2000 });
    expect(order()).toEqual(['streaming@0', 'stalest@3000', 'middle@5000', 'fresh@5000']);
  });

  it('gives the window’s last requests to writers with news staler than an urgent change, before it', () => {
    const { timers, bucket, turns, answer, order } = setup();
    const ask = (writer: string, urgent: boolean, since: number) => bucket.wait(urgent, (release) => turns.push({ writer, at: timers.now(), release }), 0, since);
    bucket.wait(false, (release) => turns.push({ writer: 'first', at: timers.now(), release }));
    timers.advance(3000);
    // Two answers end together: one's reader last saw news at 2500, the other's still streams, seen at 500.
    ask('behind', false, 500);
    ask('ended', true, 2500);
    ask('ended too', true, 2600);
    // Two requests left, one writer staler than the urgent one: the urgent one can go.
    answer({ remaining: 2, resetAfterMs: 2000 });
    expect(order()).toEqual(['first@0', 'ended@3000']);
    // One left, and a staler writer: it goes now, not at the even pace; the fresher final waits for the reset.
    answer({ remaining: 1, resetAfterMs: 2000 });
    expect(order()).toEqual(['first@0', 'ended@3000', 'behind@3000']);
    answer({ remaining: 0, resetAfterMs: 2000 });
    timers.advance(1999);
    expect(order()).toEqual(['first@0', 'ended@3000', 'behind@3000']);
    timers.advance(1);
    expect(order()).toEqual(['first@0', 'ended@3000', 'behind@3000', 'ended too@5000']);
  });

  it('sends nothing into an empty bucket before it resets, urgent or not', () => {
    const { timers, ask, answer, order } = setup();
    ask('a');
    answer({ remaining: 0, resetAfterMs: 2000 });
    ask('final', true);
    timers.advance(1999);
    expect(order()).toEqual(['a@0']);
    timers.advance(1);
    expect(order()).toEqual(['a@0', 'final@2000']);
  });

  it('passes a turn that sent nothing straight on, without changing the pace', () => {
    const { timers, ask, answer, order } = setup();
    ask('a');
    answer({ remaining: 4, resetAfterMs: 5000 });
    ask('b');
    ask('c');
    timers.advance(1000);
    answer('unsent');
    // b's turn cost nothing: c may go at once, as the last answer allowed.
    expect(order()).toEqual(['a@0', 'b@1000', 'c@1000']);
  });

  it('hurries a waiting change when it becomes urgent', () => {
    const { timers, ask, answer, order } = setup();
    ask('a');
    answer({ remaining: 4, resetAfterMs: 5000 });
    const turn = ask('b');
    timers.advance(100);
    turn.hurry();
    expect(order()).toEqual(['a@0', 'b@100']);
  });

  it('runs a one-off request when the bucket has room, and paces the writers after it by its answer', async () => {
    const { timers, bucket, ask, order } = setup();
    const response = deferred<RateLimitInfo | undefined>();
    const done = bucket.run(() => response.promise);
    ask('a');
    expect(order()).toEqual([]);
    response.resolve({ remaining: 1, resetAfterMs: 1000 });
    await done;
    timers.advance(499);
    expect(order()).toEqual([]);
    timers.advance(1);
    expect(order()).toEqual(['a@500']);
  });

  it('passes the turn on when a one-off request fails', async () => {
    const { bucket, ask, order } = setup();
    await expect(bucket.run(() => Promise.reject(new Error('Unknown Message')))).rejects.toThrow('Unknown Message');
    await settle();
    ask('a');
    expect(order()).toEqual(['a@0']);
  });
});

describe('Buckets', () => {
  it('hands out one bucket per key, and forgets the ones with nothing left to remember', () => {
    const timers = new ManualTimers();
    const buckets = new Buckets(timers);
    expect(buckets.get('x')).toBe(buckets.get('x'));
    // A bucket that is in the middle of its window, with a writer waiting, is kept.
    const busy = buckets.get('busy');
    let release: Release | undefined;
    busy.wait(false, (r) => (release = r));
    release!({ remaining: 0, resetAfterMs: 10_000 });
    busy.wait(false, () => undefined);
    for (let i = 0; i < 70; i++) buckets.get(`idle-${i}`);
    expect(buckets.size).toBeLessThan(10);
    expect(buckets.get('busy')).toBe(busy);
  });
});
