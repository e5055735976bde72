import { Logger } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { DataSource } from 'typeorm';
import { appMigrations } from './app.module.js';
import { CliModule } from './cli.module.js';
import { createAppLogger } from './common/logging/app-logger.js';
import { Environment, EnvironmentError, readEnvironment } from './config/environment.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { Migrator } from './database/migrator.js';

/** Invocations that must see the schema as it is, or touch nothing. */
function leavesSchemaAsIs(args: string[]): boolean {
  return (
    args.length === 0 || args[0] === 'help' || args.some((a) => ['-h', '--help', '--status', '--revert'].includes(a))
  );
}

/**
 * Runs before the application boots, because its modules may read their tables at start.
 * A plain `migrate` applies everything pending here (under the migration lock, so a second
 * `migrate` waits for the first instead of booting on a half-built schema). Other commands
 * give only a database that has never been migrated its schema, so `keys create` works on a
 * fresh clone; a database with any migration applied is left alone: admin commands (an
 * emergency rollback above all) never change an existing schema as a side effect.
 */
async function prepareSchema(env: Environment, migrateCommand: boolean): Promise<void> {
  const dataSource = await new DataSource({ ...dataSourceOptions(env, appMigrations()), entities: [] }).initialize();
  try {
    const migrator = new Migrator(dataSource);
    if (!migrateCommand && (await migrator.status()).some((m) => m.applied)) return;
    const applied = await migrator.run();
    if (applied.length === 0) return;
    if (migrateCommand) process.stdout.write(`Applied ${applied.length}: ${applied.join(', ')}\n`);
    else process.stderr.write(`Empty database: applied ${applied.join(', ')}\n`);
  } finally {
    await dataSource.destroy();
  }
}

/** The admin CLI: validates the environment, prepares the schema when asked, boots the CLI module and runs the command. */
export async function runAdminCli(): Promise<void> {
  let env: Environment;
  try {
    env = readEnvironment();
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = createAppLogger({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'warn' }, 'stderr');
  Logger.overrideLogger(logger);
  const args = process.argv.slice(2);
  const migrateCommand = args[0] === 'migrate' && !leavesSchemaAsIs(args);
  if (migrateCommand || (env.MIGRATE_ON_START && !leavesSchemaAsIs(args))) {
    try {
      await prepareSchema(env, migrateCommand);
    } catch (error) {
      process.stderr.write(
        `error: could not prepare the database: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    }
  }
  try {
    await CommandFactory.run(CliModule.forRoot(), {
      cliName: 'phasegate',
      logger,
      errorHandler: (error) => {
        // commander's own usage errors (unknown option, missing argument) and --help
        if ((error as { exitCode?: number }).exitCode === 0) process.exit(0);
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
      },
    });
  } catch (error) {
    // the application failed to boot (database unreachable, a table missing): one line, not a stack
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
