import { describe, expect, it } from 'vitest';
import { EditScheduler } from '../../src/discord/edit-scheduler.js';
import type { RateLimitInfo } from '../../src/discord/rate-limits.js';
import { SharedBucket } from '../../src/discord/shared-bucket.js';
import { deferred, ManualTimers, settle } from '../helpers/manual-timers.js';

function setup(reserve?: number) {
  const timers = new ManualTimers();
  const bucket = new SharedBucket(timers);
  let text = '';
  const sends: { payload: string; at: number; done: ReturnType<typeof deferred<RateLimitInfo | undefined>> }[] = [];
  const scheduler = new EditScheduler<string>({
    read: () => text,
    same: (a, b) => a === b,
    send: (payload) => {
      const done = deferred<RateLimitInfo | undefined>();
      sends.push({ payload, at: timers.now(), done });
      return done.promise;
    },
    bucket: () => bucket,
    ...(reserve ? { reserve } : {}),
  });
  const set = (t: string) => {
    text = t;
    scheduler.markDirty();
  };
  return { timers, scheduler, sends, set };
}

describe('EditScheduler', () => {
  it('sends the first text at once and keeps a single edit in flight', async () => {
    const { scheduler, sends, set } = setup();
    set('a');
    expect(sends.map((s) => s.payload)).toEqual(['a']);
    set('ab');
    set('abc');
    expect(sends).toHaveLength(1);
    sends[0]!.done.resolve(undefined);
    await settle();
    // The newest text, not every intermediate one.
    expect(sends.map((s) => s.payload)).toEqual(['a', 'abc']);
    void scheduler;
  });

  it('spreads the remaining requests of the bucket evenly over its reset time', async () => {
    const { timers, sends, set } = setup();
    set('a');
    sends[0]!.done.resolve({ remaining: 4, resetAfterMs: 5000 });
    await settle();
    set('ab');
    expect(sends).toHaveLength(1);
    timers.advance(999);
    expect(sends).toHaveLength(1);
    timers.advance(1);
    expect(sends.map((s) => s.payload)).toEqual(['a', 'ab']);
    expect(sends[1]!.at).toBe(1000);
  });

  it('leaves the reserve of the bucket to the final edit: it goes out at once, however busy streaming was', async () => {
    const { timers, scheduler, sends, set } = setup(1);
    set('preview 1');
    sends[0]!.done.resolve({ remaining: 1, resetAfterMs: 5000 });
    await settle();
    // Streaming may not take the last request: the next preview waits for the reset.
    set('preview 2');
    timers.advance(4999);
    expect(sends).toHaveLength(1);
    const flushed = scheduler.flush();
    expect(sends.map((s) => s.payload)).toEqual(['preview 1', 'preview 2']);
    expect(sends[1]!.at).toBe(4999);
    sends[1]!.done.resolve({ remaining: 0, resetAfterMs: 1 });
    await flushed;
  });

  it('spreads only what is above the reserve', async () => {
    const { timers, sends, set } = setup(1);
    set('a');
    sends[0]!.done.resolve({ remaining: 4, resetAfterMs: 4000 });
    await settle();
    set('ab');
    timers.advance(999);
    expect(sends).toHaveLength(1);
    timers.advance(1);
    expect(sends[1]!.at).toBe(1000);
  });

  it('sends an urgent change as soon as the bucket has room, skipping the even spread once', async () => {
    const { timers, scheduler, sends, set } = setup();
    set('thinking');
    sends[0]!.done.resolve({ remaining: 4, resetAfterMs: 5000 });
    await settle();
    scheduler.markDirty(true);
    // Nothing changed: an urgent mark with the same payload sends nothing.
    expect(sends).toHaveLength(1);
    set('still thinking');
    expect(sends).toHaveLength(1);
    timers.advance(100);
    expect(sends).toHaveLength(1);
    // The answer's first words are urgent: out now, not at the 1 s pace.
    set('The answer');
    scheduler.markDirty(true);
    expect(sends.map((s) => s.payload)).toEqual(['thinking', 'The answer']);
    expect(sends[1]!.at).toBe(100);
    sends[1]!.done.resolve({ remaining: 3, resetAfterMs: 4900 });
    await settle();
    // Afterwards the even spread applies again.
    set('The answer grows');
    timers.advance(1000);
    expect(sends).toHaveLength(2);
    timers.advance(225);
    expect(sends.map((s) => s.payload)).toEqual(['thinking', 'The answer', 'The answer grows']);
  });

  it('waits for the bucket to reset when it is empty, even for the final text', async () => {
    const { timers, scheduler, sends, set } = setup();
    set('a');
    sends[0]!.done.resolve({ remaining: 0, resetAfterMs: 3000 });
    await settle();
    set('final');
    let flushed = false;
    void scheduler.flush().then(() => (flushed = true));
    timers.advance(2999);
    expect(sends).toHaveLength(1);
    timers.advance(1);
    expect(sends[1]!.payload).toBe('final');
    expect(flushed).toBe(false);
    sends[1]!.done.resolve({ remaining: 4, resetAfterMs: 5000 });
    await settle();
    expect(flushed).toBe(true);
  });

  it('sends the final text without the even spread when the bucket has room', async () => {
    const { scheduler, sends, set } = setup();
    set('a');
    sends[0]!.done.resolve({ remaining: 4, resetAfterMs: 5000 });
    await settle();
    set('a and the end');
    expect(sends).toHaveLength(1);
    const flushed = scheduler.flush();
    expect(sends.map((s) => s.payload)).toEqual(['a', 'a and the end']);
    sends[1]!.done.resolve(undefined);
    await expect(flushed).resolves.toBeUndefined();
  });

  it('flush waits for an edit in flight and then sends the newest text', async () => {
    const { scheduler, sends, set } = setup();
    set('a');
    set('ab');
    let flushed = false;
    void scheduler.flush().then(() => (flushed = true));
    sends[0]!.done.resolve(undefined);
    await settle();
    expect(sends.map((s) => s.payload)).toEqual(['a', 'ab']);
    expect(flushed).toBe(false);
    sends[1]!.done.resolve(undefined);
    await settle();
    expect(flushed).toBe(true);
  });

  it('does not resend a payload that already landed', async () => {
    const { scheduler, sends, set } = setup();
    set('same');
    sends[0]!.done.resolve(undefined);
    await settle();
    set('same');
    await scheduler.flush();
    expect(sends).toHaveLength(1);
  });

  it('stops and reports when an edit fails', async () => {
    const { scheduler, sends, set } = setup();
    set('a');
    set('ab');
    const flushed = scheduler.flush();
    sends[0]!.done.reject(new Error('Unknown Message'));
    await expect(flushed).rejects.toThrow('Unknown Message');
    set('abc');
    expect(sends).toHaveLength(1);
    expect((scheduler.error as Error).message).toBe('Unknown Message');
  });
});
