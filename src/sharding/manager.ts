import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ShardingManager, type Shard } from 'discord.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { spawnGroups } from './shard-ids.js';

/** Discord lets one shard per identify bucket start every 5 seconds. */
const IDENTIFY_WINDOW_MS = 5_500;
const READY_TIMEOUT_MS = 120_000;
/** A shard that dies is started again after this, doubling while it keeps dying, up to the max. */
const RESPAWN_DELAY_MS = 1_000;
const RESPAWN_DELAY_MAX_MS = 30_000;
/** A shard up this long counts as healthy again: its next death respawns after the first delay. */
const HEALTHY_AFTER_MS = 60_000;

export interface GatewayBot {
  shards: number;
  maxConcurrency: number;
}

/** Discord's advice for this bot: how many shards, and how many may identify at once. */
export async function fetchGatewayBot(config: Pick<Config, 'discordApiUrl' | 'discordToken'>): Promise<GatewayBot> {
  const response = await fetch(`${config.discordApiUrl}/v10/gateway/bot`, { headers: { Authorization: `Bot ${config.discordToken}` } });
  if (!response.ok) throw new Error(`Discord answered GET /gateway/bot with HTTP ${response.status}${response.status === 401 ? ': DISCORD_TOKEN is wrong' : ''}`);
  const body = (await response.json()) as { shards: number; session_start_limit: { max_concurrency: number } };
  return { shards: body.shards, maxConcurrency: Math.max(1, body.session_start_limit.max_concurrency) };
}

export interface RunningShards {
  manager: ShardingManager;
  /** Stops every shard gracefully (each gets SIGTERM and its own grace period), then resolves. */
  stop(): Promise<void>;
}

/**
 * Runs the bot as one process per shard with discord.js's ShardingManager: the shards of
 * `SHARD_IDS` (or all) of `SHARD_COUNT` (or Discord's recommendation), started in groups that
 * respect `max_concurrency`, each started again when it dies (with a growing delay while it keeps
 * dying), every change of state logged.
 */
export async function runShards(config: Config, logger: Logger, file: string): Promise<RunningShards> {
  const gateway = await fetchGatewayBot(config);
  const total = config.shardCount === 'auto' || config.shardCount === undefined ? gateway.shards : config.shardCount;
  const ids = config.shardIds ?? Array.from({ length: total }, (_, i) => i);
  const stray = ids.filter((id) => id >= total);
  if (stray.length) throw new Error(`SHARD_IDS lists shards ${stray.join(', ')}, past the ${total} shards in all`);
  // Shards run the same entry point with the same loader (tsx in development, none when built).
  const manager = new ShardingManager(file, { totalShards: total, shardList: ids, mode: 'process', respawn: false, token: config.discordToken, execArgv: process.execArgv });
  let stopping = false;

  const watch = (shard: Shard) => {
    const log = logger.child({ shard: shard.id, of: total });
    let startedAt = Date.now();
    let delay = RESPAWN_DELAY_MS;
    // Processes, not workers: this manager runs in 'process' mode.
    shard.on('spawn', (child) => {
      startedAt = Date.now();
      log.info({ pid: (child as ChildProcess).pid }, 'shard process started');
    });
    shard.on('ready', () => log.info('shard ready'));
    shard.on('disconnect', () => log.warn('shard disconnected from the gateway'));
    shard.on('reconnecting', () => log.info('shard reconnecting'));
    shard.on('resume', () => log.info('shard resumed'));
    shard.on('error', (err: unknown) => log.error({ err }, 'shard error'));
    shard.on('death', (process) => {
      const child = process as ChildProcess;
      if (stopping) return log.info({ code: child.exitCode }, 'shard stopped');
      if (Date.now() - startedAt > HEALTHY_AFTER_MS) delay = RESPAWN_DELAY_MS;
      log.warn({ code: child.exitCode, signal: child.signalCode, respawnInMs: delay }, 'shard process died; starting it again');
      setTimeout(() => {
        if (!stopping) shard.spawn(READY_TIMEOUT_MS).catch((err: unknown) => log.error({ err }, 'shard did not become ready'));
      }, delay).unref();
      delay = Math.min(delay * 2, RESPAWN_DELAY_MAX_MS);
    });
  };

  logger.info({ total, ids, maxConcurrency: gateway.maxConcurrency }, 'starting shards');
  for (const [i, group] of spawnGroups(ids, gateway.maxConcurrency).entries()) {
    if (stopping) break;
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, IDENTIFY_WINDOW_MS));
    await Promise.all(
      group.map((id) => {
        const shard = manager.createShard(id);
        watch(shard);
        return shard.spawn(READY_TIMEOUT_MS).catch((err: unknown) => logger.error({ err, shard: id }, 'shard did not become ready'));
      }),
    );
  }

  return {
    manager,
    async stop() {
      stopping = true;
      const grace = config.shutdownGraceMs + 10_000;
      await Promise.all(
        [...manager.shards.values()].map(async (shard) => {
          const child = shard.process;
          if (!child || child.exitCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), grace);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
