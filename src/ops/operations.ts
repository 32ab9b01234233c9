import { Status, type Client } from 'discord.js';
import type { Logger } from '../logger.js';
import type { Store } from '../storage.js';
import { startHealthServer } from './health-server.js';
import { BotMetrics } from './metrics.js';

/** This process's metrics, labelled with the shards its client runs, counting its REST queues. */
export function processMetrics(client: Client): BotMetrics {
  const shards = Array.isArray(client.options.shards) ? client.options.shards.join(',') : '0';
  return new BotMetrics(shards, () => [...client.rest.handlers.values()].filter((h) => !h.inactive).length);
}

/**
 * `/healthz` and `/metrics` on `port`: healthy while every shard of this process is connected to
 * the gateway and the store answers.
 */
export async function serveHealth(port: number, client: Client, store: Store, metrics: BotMetrics, logger: Logger) {
  return startHealthServer(
    port,
    {
      gateway: async () => client.ws.shards.size > 0 && client.ws.shards.every((shard) => shard.status === Status.Ready),
      store: async () => {
        await store.get('__ping__');
        return true;
      },
    },
    metrics,
    logger,
  );
}
