import { Command, CommandRunner, Option } from 'nest-commander';
import { DomainError } from '../../common/errors/domain-error.js';
import { FullBackupService } from '../backup/full-backup.service.js';
import { RestoreService } from '../backup/restore.service.js';
import { confirm, printJson, printTable, runCommand } from '../../common/cli/command-output.js';

interface RestoreOptions {
  from?: string;
  full?: boolean;
  into?: string;
  yes?: boolean;
  json?: boolean;
}

@Command({
  name: 'restore',
  description:
    "Put a phase backup back (the phase's schema must be up; safe to run twice), or with --full replace the whole database by a full backup (server stopped)",
})
export class RestoreCommand extends CommandRunner {
  constructor(
    private readonly restores: RestoreService,
    private readonly fullBackups: FullBackupService,
  ) {
    super();
  }

  async run(_: string[], options: RestoreOptions): Promise<void> {
    await runCommand(async () => {
      if (!options.from)
        throw DomainError.validation([
          {
            field: 'from',
            messages: [
              `is required (--from ${options.full ? 'FILE, a full backup' : 'DIR, a backup directory with manifest.json'})`,
            ],
          },
        ]);
      if (options.full) {
        await this.restoreFull(options.from, options);
        return;
      }
      if (options.into !== undefined) throw DomainError.validation([{ field: 'into', messages: ['goes with --full'] }]);
      const result = await this.restores.restore(options.from);
      if (options.json) {
        printJson({ ok: true, ...result });
        return;
      }
      process.stdout.write(
        `Restored phase ${result.phase} from ${result.location} in ${result.durationMs} ms; every table and column matches its checksum\n`,
      );
      printTable(result.items.map((i) => ({ target: i.column ? `${i.table}.${i.column}` : i.table, rows: i.rows })));
    }, options.json);
  }

  private async restoreFull(from: string, options: RestoreOptions): Promise<void> {
    if (options.into === undefined)
      await confirm(`Replace the whole live database by ${from}? Every change since the backup is lost.`, options.yes);
    const result =
      options.into === undefined
        ? await this.fullBackups.restore(from)
        : await this.fullBackups.restoreInto(from, options.into);
    if (options.json) {
      printJson({ ok: true, ...result });
      return;
    }
    process.stdout.write(
      `Restored ${result.target} from ${result.location} (sha256 ${result.sha256}) in ${result.durationMs} ms\n`,
    );
  }

  @Option({
    flags: '--from <path>',
    description: 'the phase backup directory (BACKUP_DIR/<time>-phase<N>), or with --full the backup file',
  })
  parseFrom(v: string) {
    return v;
  }

  @Option({
    flags: '--full',
    description: 'a full backup (backup --full): replaces the whole database; stop the server first',
  })
  parseFull() {
    return true;
  }

  @Option({
    flags: '--into <target>',
    description: 'with --full: a scratch SQLite file or MariaDB database name instead of the live database',
  })
  parseInto(v: string) {
    return v;
  }

  @Option({ flags: '--yes', description: 'do not ask for confirmation (required when stdin is not a terminal)' })
  parseYes() {
    return true;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}
