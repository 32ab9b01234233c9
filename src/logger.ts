import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear, so a token never reaches a log even when a whole
 * config, request or error object is logged by mistake.
 */
export const REDACT_PATHS = [
  'config.discordToken',
  'config.openRouterApiKey',
  'discordToken',
  'openRouterApiKey',
  'token',
  'apiKey',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'headers.authorization',
  'headers.Authorization',
  'err.requestBody',
  'err.rawResponse',
  'err.url',
];

export interface LoggerOptions {
  level: string;
  /** Extra strings to scrub from every line (the configured secrets), whatever field they hide in. */
  secrets?: string[];
  /** Where lines go; defaults to stdout, pretty-printed when it is a terminal. */
  destination?: DestinationStream;
}

export function createLogger({ level, secrets = [], destination }: LoggerOptions): Logger {
  const scrub = secrets.filter((s) => s.length >= 8);
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Free-text fields (error messages, URLs) can carry a secret that no path names: scrub them too.
    hooks: scrub.length
      ? {
          streamWrite: (line) => scrub.reduce((out, secret) => out.split(secret).join('[redacted]'), line),
        }
      : {},
  };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}
