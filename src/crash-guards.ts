import type { Logger } from './logger.js';

/**
 * One bad promise or listener must not take every channel's answers down with it: log it with
 * what is known, and keep serving.
 */
export function guardProcess(logger: Logger, target: NodeJS.Process = process): void {
  target.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (the bot keeps running)'));
  target.on('uncaughtException', (err, origin) => logger.error({ err, origin }, 'uncaught exception (the bot keeps running)'));
}
