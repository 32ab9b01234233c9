import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/conversation/landing.js';
import { deferred } from '../helpers/manual-timers.js';

describe('InFlight', () => {
  it('settles once every piece of the channel’s work has, however it ended, and not for other channels’', async () => {
    const flight = new InFlight();
    const written = deferred<string>();
    const failed = deferred();
    const elsewhere = deferred();
    const tracked = flight.track('c1', written.promise);
    flight.track('c1', failed.promise).catch(() => undefined);
    void flight.track('c2', elsewhere.promise);
    const order: string[] = [];
    const settled = flight.settled('c1').then(() => order.push('c1 settled'));
    const untouched = flight.settled('c3').then(() => order.push('c3 settled'));
    await untouched;
    written.resolve('written');
    expect(await tracked).toBe('written');
    order.push('write done');
    failed.reject(new Error('store down'));
    await settled;
    expect(order).toEqual(['c3 settled', 'write done', 'c1 settled']);
    elsewhere.resolve();
  });

  it('forgets work once it is over: a later wait does not wait for it', async () => {
    const flight = new InFlight();
    const work = deferred<number>();
    const tracked = flight.track('c1', work.promise);
    work.resolve(7);
    expect(await tracked).toBe(7);
    const later = deferred();
    flight.track('c2', later.promise);
    let settled = false;
    await flight.settled('c1').then(() => (settled = true));
    expect(settled).toBe(true);
    later.resolve();
  });
});
