import { Command, CommandRunner, Option } from 'nest-commander';
import { cliActor, printTable, runCommand } from '../../common/cli/command-output.js';
import { MigrationService } from '../../database/migration.service.js';
import { SchemaRevertService } from '../guard/schema-revert.service.js';

interface MigrateOptions {
  revert?: boolean;
  status?: boolean;
  dropCoreData?: boolean;
  reason?: string;
  fullBackup?: boolean;
}

/**
 * `migrate` applies pending migrations under the migration lock; reverted phases stay down
 * (only `phases enable` brings one back). `--revert` takes back the latest migration under the
 * rollback runbook's rules: a phase's only once its flags are off and its jobs still, a core
 * table holding data only with `--drop-core-data --reason TEXT --full-backup`.
 */
@Command({ name: 'migrate', description: 'Apply pending migrations (or --revert the latest, or --status)' })
export class MigrateCommand extends CommandRunner {
  constructor(
    private readonly migrations: MigrationService,
    private readonly reverts: SchemaRevertService,
  ) {
    super();
  }

  async run(_: string[], options: MigrateOptions): Promise<void> {
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
        const reverted = await this.reverts.revertLast(
          options.dropCoreData
            ? { reason: options.reason, actor: cliActor(), fullBackup: options.fullBackup === true }
            : undefined,
        );
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

  @Option({
    flags: '--drop-core-data',
    description: 'with --revert: allow dropping core tables that hold data (needs --reason and --full-backup)',
  })
  parseDropCoreData() {
    return true;
  }

  @Option({ flags: '--reason <text>', description: 'why core data is dropped (with --drop-core-data)' })
  parseReason(value: string) {
    return value;
  }

  @Option({
    flags: '--full-backup',
    description: 'with --drop-core-data: take and verify a full database backup before anything is dropped',
  })
  parseFullBackup() {
    return true;
  }
}
