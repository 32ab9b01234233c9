import { fileURLToPath } from 'node:url';
import { startBot } from './bot.js';
import type { ConfigResult } from './config.js';
import { guardProcess } from './crash-guards.js';
import { createLogger } from './logger.js';
import { configure, SetupFailed } from './setup/first-start.js';
import { runShards } from './sharding/manager.js';
import { shardHealthPort } from './sharding/shard-ids.js';
import { Cancelled } from './setup/hidden-input.js';

let result: ConfigResult;
try {
  result = await configure({ input: process.stdin, output: process.stdout, isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY) });
} catch (err) {
  if (!(err instanceof Cancelled || err instanceof SetupFailed)) throw err;
  process.stderr.write(err instanceof Cancelled ? 'Setup cancelled.\n' : `${err.message}\n`);
  process.exit(err instanceof Cancelled ? 130 : 1);
}
if (!result.ok) {
  for (const problem of result.problems) process.stderr.write(`config error: ${problem}\n`);
  process.stderr.write('See .env.example and the README for every variable.\n');
  process.exit(1);
}
// A process the ShardingManager started runs the shards it was given; SHARD_COUNT alone makes this one the manager.
const asShard = process.env.SHARDING_MANAGER === 'true';
const shard = Number(process.env.SHARDS);
const config = asShard && result.config.healthPort && Number.isInteger(shard) ? { ...result.config, healthPort: shardHealthPort(result.config.healthPort, shard, result.config.shardIds) } : result.config;
const root = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.openRouterApiKey] });
const logger = asShard ? root.child({ shards: process.env.SHARDS }) : root;

guardProcess(logger);

/** Runs `stop` on SIGTERM or SIGINT (once), then exits 0. */
function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

try {
  if (config.shardCount !== undefined && !asShard) {
    const shards = await runShards(config, logger, fileURLToPath(import.meta.url));
    stopOnSignals(() => shards.stop());
  } else {
    const bot = await startBot(config, logger);
    stopOnSignals(() => bot.stop());
  }
} catch (err) {
  logger.fatal({ err }, 'could not start the bot');
  process.exitCode = 1;
}
