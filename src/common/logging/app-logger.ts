import { ConsoleLogger, LogLevel } from '@nestjs/common';
import type { Environment } from '../../config/environment.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's own logger: JSON lines in production, readable lines in development. */
export function createAppLogger(env: Pick<Environment, 'LOG_FORMAT' | 'LOG_LEVEL'>): ConsoleLogger {
  const logLevels = LEVELS.slice(0, LEVELS.indexOf(env.LOG_LEVEL) + 1);
  const json = env.LOG_FORMAT === 'json';
  // structured messages stay on one line in both formats
  return new ConsoleLogger({ json, colors: !json && process.stdout.isTTY === true, compact: true, breakLength: Infinity, logLevels });
}
