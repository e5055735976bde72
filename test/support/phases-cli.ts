import { Logger } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { CliModule } from '../../src/cli.module.js';
import { createAppLogger } from '../../src/common/logging/app-logger.js';
import { samplePhases } from './test-phases.js';

/**
 * The admin CLI with the sample phases registered, run as a real process by the rollback
 * suites (nest-commander cannot load inside jest). Built by buildPhasesCli().
 */
const logger = createAppLogger({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'warn' });
Logger.overrideLogger(logger);
await CommandFactory.run(CliModule.forRoot(samplePhases), {
  cliName: 'phasegate',
  logger,
  errorHandler: (error) => {
    if ((error as { exitCode?: number }).exitCode === 0) process.exit(0);
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
});
