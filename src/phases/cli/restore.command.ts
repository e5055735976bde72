import { Command, CommandRunner, Option } from 'nest-commander';
import { DomainError } from '../../common/errors/domain-error.js';
import { RestoreService } from '../backup/restore.service.js';
import { printJson, printTable, runCommand } from '../../common/cli/command-output.js';

@Command({
  name: 'restore',
  description:
    "Put a phase backup back (the phase's schema must be up): re-inserts rows, writes owned columns back, verifies checksums; safe to run twice",
})
export class RestoreCommand extends CommandRunner {
  constructor(private readonly restores: RestoreService) {
    super();
  }

  async run(_: string[], options: { from?: string; json?: boolean }): Promise<void> {
    await runCommand(async () => {
      if (!options.from)
        throw DomainError.validation([
          { field: 'from', messages: ['is required (--from DIR, a backup directory with manifest.json)'] },
        ]);
      const result = await this.restores.restore(options.from);
      if (options.json) return printJson({ ok: true, ...result });
      process.stdout.write(
        `Restored phase ${result.phase} from ${result.location} in ${result.durationMs} ms; every table and column matches its checksum\n`,
      );
      printTable(result.items.map((i) => ({ target: i.column ? `${i.table}.${i.column}` : i.table, rows: i.rows })));
    }, options.json);
  }

  @Option({ flags: '--from <dir>', description: 'the backup directory (BACKUP_DIR/<time>-phase<N>)' })
  parseFrom(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}
