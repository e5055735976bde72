import { Command, CommandRunner, Option } from 'nest-commander';
import { cliActor, printJson, runCommand } from '../../common/cli/command-output.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { FullBackupService } from '../backup/full-backup.service.js';
import { fullBackupLine } from './full-backup-report.js';

interface BackupOptions {
  full?: boolean;
  to?: string;
  reason?: string;
  verify?: string;
  json?: boolean;
}

@Command({
  name: 'backup',
  description:
    "Full-database backup with the engine's own tool (SQLite's online backup, mariadb-dump): --full [--to DIR], or --verify FILE",
})
export class BackupCommand extends CommandRunner {
  constructor(private readonly fullBackups: FullBackupService) {
    super();
  }

  async run(_: string[], options: BackupOptions): Promise<void> {
    await runCommand(async () => {
      if (options.verify !== undefined) {
        const manifest = await this.fullBackups.verify(options.verify);
        if (options.json) {
          printJson({ ok: true, verified: true, ...manifest });
          return;
        }
        process.stdout.write(
          `${options.verify} matches its manifest (${manifest.bytes} bytes, sha256 ${manifest.sha256})\n`,
        );
        return;
      }
      if (!options.full)
        throw DomainError.validation([
          {
            field: 'full',
            messages: ['is required: backup --full takes the whole database (phase backups: rollback --backup)'],
          },
        ]);
      const backup = await this.fullBackups.take({ to: options.to, actor: cliActor(), reason: options.reason });
      if (options.json) {
        printJson({ ok: true, backup });
        return;
      }
      process.stdout.write(
        `Full backup #${backup.id} verified: ${backup.location} (${backup.bytes} bytes, sha256 ${backup.sha256})\n`,
      );
      process.stdout.write(`${fullBackupLine(backup)}\n`);
    }, options.json);
  }

  @Option({ flags: '--full', description: 'the whole database, every table' })
  parseFull() {
    return true;
  }

  @Option({ flags: '--to <dir>', description: 'the folder to write into (default BACKUP_DIR)' })
  parseTo(v: string) {
    return v;
  }

  @Option({ flags: '--reason <text>', description: 'why (kept in the backup record)' })
  parseReason(v: string) {
    return v;
  }

  @Option({ flags: '--verify <file>', description: "read a full backup's file back against its manifest and record" })
  parseVerify(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}
