import { startBot } from './bot.js';
import { loadConfig } from './config.js';
import { guardProcess } from './crash-guards.js';
import { createLogger } from './logger.js';

const result = loadConfig();
if (!result.ok) {
  for (const problem of result.problems) process.stderr.write(`config error: ${problem}\n`);
  process.stderr.write('See .env.example and the README for every variable.\n');
  process.exit(1);
}
const { config } = result;
const logger = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.openRouterApiKey] });

guardProcess(logger);

try {
  const bot = await startBot(config, logger);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await bot.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (err) {
  logger.fatal({ err }, 'could not start the bot');
  process.exitCode = 1;
}
