import { z } from 'zod';
import { httpUrl, LOG_LEVELS, parseVariables, positiveInt } from '../config.js';

const schema = z.object({
  PROXY_PORT: positiveInt.max(65_535, 'must be a port (1–65535)').default(8080),
  PROXY_HOST: z.string().default('0.0.0.0'),
  // Not DISCORD_API_URL: in a shared .env that one points the bot at this proxy.
  PROXY_UPSTREAM_URL: httpUrl.default('https://discord.com/api'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

export interface ProxyConfig {
  port: number;
  host: string;
  upstream: string;
  logLevel: string;
}

export function parseProxyConfig(env: NodeJS.ProcessEnv): { ok: true; config: ProxyConfig } | { ok: false; problems: string[] } {
  const parsed = parseVariables(schema, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  return { ok: true, config: { port: e.PROXY_PORT, host: e.PROXY_HOST, upstream: e.PROXY_UPSTREAM_URL, logLevel: e.LOG_LEVEL } };
}
