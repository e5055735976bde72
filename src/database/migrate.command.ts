import { Command, CommandRunner, Option } from 'nest-commander';
import { MigrationService } from './migration.service.js';
import { printTable, runCommand } from '../common/cli/command-output.js';

/**
 * `migrate` applies pending migrations under the migration lock; reverted phases stay down
 * (only `phases enable` brings one back). `--revert` takes back the latest migration, whose
 * down() obeys the migration guard.
 */
@Command({ name: 'migrate', description: 'Apply pending migrations (or --revert the latest, or --status)' })
export class MigrateCommand extends CommandRunner {
  constructor(private readonly migrations: MigrationService) {
    super();
  }

  async run(_: string[], options: { revert?: boolean; status?: boolean }): Promise<void> {
    await runCommand(async () => {
      if (options.status) {
        printTable(
          (await this.migrations.status()).map((m) => ({
            migration: m.name,
            phase: m.phase ?? 'core',
            applied: m.applied ? 'yes' : 'no',
          })),
        );
        return;
      }
      if (options.revert) {
        const reverted = await this.migrations.revertLast();
        process.stdout.write(reverted ? `Reverted ${reverted}\n` : 'Nothing to revert\n');
        return;
      }
      const applied = await this.migrations.run();
      process.stdout.write(
        applied.length ? `Applied ${applied.length}: ${applied.join(', ')}\n` : 'Schema is up to date\n',
      );
    });
  }

  @Option({ flags: '--revert', description: 'revert the most recently applied migration' })
  parseRevert() {
    return true;
  }

  @Option({ flags: '--status', description: 'list migrations and whether each is applied' })
  parseStatus() {
    return true;
  }
}
