import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module.js';
import { createAppLogger } from './common/logging/app-logger.js';
import { EnvironmentError, readEnvironment } from './config/environment.js';

async function main(): Promise<void> {
  try {
    readEnvironment();
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  await CommandFactory.run(CliModule.forRoot(), {
    cliName: 'phasegate',
    logger: createAppLogger({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'warn' }),
    errorHandler: (error) => {
      // commander's own usage errors (unknown option, missing argument) and --help
      if ((error as { exitCode?: number }).exitCode === 0) process.exit(0);
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  });
}

void main();
