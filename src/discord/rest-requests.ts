// Types only: the proxy loads @discordjs/rest's ES module build and the bot discord.js's CommonJS copy.
import type { RESTOptions } from '@discordjs/rest';
import { rateLimitScope } from './rate-limits.js';

/**
 * REST options for a client whose `offset` is `offsetMs`, sending with `makeRequest` (the
 * client's default strategy): every 429 Discord answers is told to `report`, with its scope, and
 * each bucket's Reset-After is read `offsetMs` early.
 *
 * Reading the status where the request is made costs nothing; discord.js's `response` event would
 * make the client clone every response it reads, for every edit of every answer.
 *
 * The early reset: @discordjs/rest records a bucket's reset with its offset added, then holds a
 * request to the empty bucket until the offset past that, and one option sets the margin for its
 * global window too, which needs it. Read early, the recorded reset is the bucket's own (late by
 * the response's trip, as Reset-After counts from when Discord answered), so a final text the
 * answer's bucket lets go at the reset goes then, not 50 ms later; requests that wait in
 * discord.js's queue still go one offset past it.
 */
export function restRequests(makeRequest: RESTOptions['makeRequest'], report: (scope: string) => void, offsetMs: number): Pick<RESTOptions, 'makeRequest'> {
  return {
    makeRequest: async (url, init) => {
      const response = await makeRequest(url, init);
      if (response.status === 429) report(rateLimitScope(response.headers));
      const resetAfter = response.headers.get('x-ratelimit-reset-after');
      // The default strategy builds each response's Headers afresh, so they can be set in place.
      if (offsetMs > 0 && resetAfter !== null && response.status !== 429) response.headers.set('x-ratelimit-reset-after', Math.max(0, Number(resetAfter) - offsetMs / 1000).toFixed(3));
      return response;
    },
  };
}
