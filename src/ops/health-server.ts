import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { BotMetrics } from './metrics.js';

/** Named checks; each resolves true when that part works. */
export type HealthChecks = Record<string, () => Promise<boolean>>;

/** A check that hangs (a store that stopped answering) counts as failed after this long. */
const CHECK_TIMEOUT_MS = 2_000;

async function passes(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS)));
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` (200 when every check passes, 503 otherwise, with each check's result) and
 * `/metrics` (Prometheus text) for one bot process.
 */
export async function startHealthServer(port: number, checks: HealthChecks, metrics: BotMetrics, logger: Logger): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://health').pathname;
      if (req.method !== 'GET') {
        res.writeHead(405, { Allow: 'GET' }).end();
      } else if (path === '/healthz') {
        const results = Object.fromEntries(await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await passes(check)] as const)));
        const ok = Object.values(results).every(Boolean);
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok, checks: results }));
      } else if (path === '/metrics') {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      } else {
        res.writeHead(404).end();
      }
    })().catch((err: unknown) => {
      logger.warn({ err }, 'health endpoint failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  logger.info({ port: bound }, 'health and metrics listening');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
