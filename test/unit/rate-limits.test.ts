import { REST, RESTEvents } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { RateLimitTracker } from '../../src/discord/rate-limits.js';

function respond(rest: REST, path: string, headers: Record<string, string>) {
  rest.emit(RESTEvents.Response, { method: 'PATCH', path, route: '/webhooks/:id/:token/messages/:id', options: {}, data: {}, retries: 0 } as never, new Response(null, { headers }) as never);
}

describe('RateLimitTracker', () => {
  it('matches the percent-encoded path discord.js reports, and counts its reset offset in', async () => {
    const rest = new REST({ offset: 50 });
    const tracker = new RateLimitTracker(rest);
    const info = await tracker.measure('PATCH', '/webhooks/1/tok/messages/@original', async () =>
      respond(rest, '/webhooks/1/tok/messages/%40original', { 'X-RateLimit-Remaining': '3', 'X-RateLimit-Reset-After': '1.250' }),
    );
    expect(info).toEqual({ remaining: 3, resetAfterMs: 1300 });
  });

  it('reports nothing for a response without rate-limit headers or for another path', async () => {
    const rest = new REST({ offset: 0 });
    const tracker = new RateLimitTracker(rest);
    expect(await tracker.measure('PATCH', '/channels/1/messages/2', async () => respond(rest, '/channels/1/messages/2', {}))).toBeUndefined();
    expect(
      await tracker.measure('PATCH', '/channels/1/messages/2', async () => respond(rest, '/channels/1/messages/3', { 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset-After': '1' })),
    ).toBeUndefined();
  });
});
