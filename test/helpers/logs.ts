import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

/** A real pino logger whose JSON lines the test can read. */
export function captureLogs(level = 'debug', secrets: string[] = []): { logger: Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
  let raw = '';
  const destination = new Writable({
    write(chunk, _enc, cb) {
      raw += chunk.toString();
      cb();
    },
  });
  const logger = createLogger({ level, secrets, destination });
  return {
    logger,
    raw: () => raw,
    lines: () =>
      raw
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
