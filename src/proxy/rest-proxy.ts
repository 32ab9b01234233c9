import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { populateErrorResponse } from '@discordjs/proxy';
// @discordjs/rest itself, not discord.js's copy: discord.js loads its CommonJS build, and the proxy's
// error helpers recognise only the classes of the ES module build they import.
import { DefaultRestOptions, REST, type RequestMethod, type RESTOptions } from '@discordjs/rest';
import { sendsApartFromEdits } from '../discord/rest-queues.js';
import { restRequests } from '../discord/rest-requests.js';
import type { Logger } from '../logger.js';

export interface RestProxyOptions {
  /** Discord's API base the proxy sends to, e.g. https://discord.com/api. */
  upstream: string;
  logger: Logger;
  /** Requests a second under the bot's token, across everything that sends through this proxy. */
  globalRequestsPerSecond?: number;
}

export interface RestProxy {
  server: Server;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Routes Discord does not count against the bot's global limit: interaction callbacks, and
 * webhooks sent by their token alone (an interaction's follow-ups and edits go out without the
 * bot's token; a request that carries it is the bot's own and counts).
 */
export function exemptFromGlobal(route: string, authorized: boolean): boolean {
  return /^\/interactions\/\d+\/[^/]+\/callback$/.test(route) || (!authorized && /^\/webhooks\/\d+\/[^/]+/.test(route));
}

/**
 * One REST queue for every process of the bot, on @discordjs/rest as @discordjs/proxy runs it: the
 * bot's global limit (50 requests a second per bot, not per process) and each route's bucket are
 * held here, once. Two differences from @discordjs/proxy's own `proxyRequests`:
 * - interaction routes go through a queue without the global budget, as Discord exempts them
 *   (the bot does the same in-process, see discord/webhook-rest.ts), so streamed answers are not held
 *   behind the bot's other traffic;
 * - the X-RateLimit-* headers of a bucket come back to the bot. @discordjs/proxy strips them; the
 *   bot paces a streaming answer's edits by them (discord/shared-bucket.ts) and, without them,
 *   sends each edit as soon as the last returns, to wait in this queue with text that is stale
 *   by the time it goes.
 */
export function createRestProxy({ upstream, logger, globalRequestsPerSecond = 50 }: RestProxyOptions): RestProxy {
  const base: Partial<RESTOptions> = { api: upstream.replace(/\/+$/, '') };
  const offsetMs = DefaultRestOptions.offset;
  const bot = sendsApartFromEdits(new REST({ ...base, globalRequestsPerSecond, ...restRequests(DefaultRestOptions.makeRequest, () => {}, offsetMs) }));
  // Without a global budget the offset (how long past a reset a request waits) only guards bucket
  // resets, which need no margin: Reset-After counts from when Discord answered, so the reset it
  // gives is late by the response's trip already.
  const exempt = new REST({ ...base, globalRequestsPerSecond: Number.POSITIVE_INFINITY, offset: 0 });
  for (const [queue, rest] of [['bot', bot], ['interactions', exempt]] as const) {
    // Routes here are discord.js's generalised ones (ids and tokens as :id, :token): safe to log.
    rest.on('rateLimited', (info) => logger.debug({ queue, route: info.route, global: info.global, waitMs: info.timeToReset }, 'holding requests for a rate limit'));
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const fullRoute = url.pathname.replace(/^\/api(\/v\d+)?/, '') as `/${string}`;
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'authorization', 'x-audit-log-reason'] as const) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const rest = exemptFromGlobal(fullRoute, 'authorization' in headers) ? exempt : bot;
    try {
      const response = await rest.queueRequest({
        fullRoute,
        method: req.method as RequestMethod,
        query: url.searchParams,
        headers,
        // The bot's own Authorization is forwarded as it came (or not at all, for interaction webhooks).
        auth: false,
        body: req,
        passThroughBody: true,
      });
      res.statusCode = response.status;
      for (const [name, value] of response.headers) {
        // A global limit is this proxy's to hold; a bucket's state is the bot's to pace by.
        if (/^x-ratelimit-(global|scope)$/i.test(name) || /^(content-length|transfer-encoding|connection|content-encoding)$/i.test(name)) continue;
        // The bot's client reads Reset-After early itself: it gets the bucket's as Discord sent it.
        res.setHeader(name, rest === bot && response.status !== 429 && /^x-ratelimit-reset-after$/i.test(name) ? (Number(value) + offsetMs / 1000).toFixed(3) : value);
      }
      if (response.body) await pipeline(response.body instanceof Readable ? response.body : Readable.fromWeb(response.body as never), res);
    } catch (err) {
      if (!populateErrorResponse(res, err as Error)) {
        logger.error({ err, method: req.method }, 'REST proxy request failed');
        res.statusCode = 502;
      }
    } finally {
      res.end();
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
