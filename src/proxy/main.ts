/** `npm run proxy`: one REST queue for every shard process of the bot (see rest-proxy.ts). */
import { readEnvironment } from '../config.js';
import { guardProcess } from '../crash-guards.js';
import { createLogger } from '../logger.js';
import { parseProxyConfig } from './config.js';
import { createRestProxy } from './rest-proxy.js';

const result = parseProxyConfig(readEnvironment());
if (!result.ok) {
  for (const problem of result.problems) process.stderr.write(`config error: ${problem}\n`);
  process.exit(1);
}
const { config } = result;
const logger = createLogger({ level: config.logLevel }).child({ service: 'rest-proxy' });
guardProcess(logger);

const proxy = createRestProxy({ upstream: config.upstream, logger });
try {
  const port = await proxy.listen(config.port, config.host);
  logger.info({ port, upstream: config.upstream, botSetting: `DISCORD_API_URL=http://<this host>:${port}/api` }, 'REST proxy listening');
} catch (err) {
  logger.fatal({ err }, 'could not start the REST proxy');
  process.exit(1);
}
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void proxy.close().then(() => process.exit(0));
  });
}
