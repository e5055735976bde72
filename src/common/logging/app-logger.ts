import { ConsoleLogger, ConsoleLoggerOptions, LogLevel } from '@nestjs/common';
import type { Environment } from '../../config/environment.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Keeps every log line off stdout, which a CLI reserves for its result (and --json). */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

/** Nest's own logger: JSON lines in production, readable lines in development. */
export function createAppLogger(
  env: Pick<Environment, 'LOG_FORMAT' | 'LOG_LEVEL'>,
  output: 'stdout' | 'stderr' = 'stdout',
): ConsoleLogger {
  const logLevels = LEVELS.slice(0, LEVELS.indexOf(env.LOG_LEVEL) + 1);
  const json = env.LOG_FORMAT === 'json';
  // structured messages stay on one line in both formats
  const options: ConsoleLoggerOptions = {
    json,
    colors: !json && process.stdout.isTTY,
    compact: true,
    breakLength: Infinity,
    logLevels,
  };
  return output === 'stderr' ? new StderrLogger(options) : new ConsoleLogger(options);
}
