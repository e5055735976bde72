import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { cliActor, confirm, printJson, printTable, runCommand } from '../../common/cli/command-output.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { JobsService } from '../jobs/jobs.service.js';
import { RETENTION_JOB, RetentionService } from '../retention/retention.service.js';
import { keptFor, retentionRows } from './retention-report.js';
import { Logger } from '@nestjs/common';

interface JsonOption {
  json?: boolean;
}

interface RunOptions extends JsonOption {
  dryRun?: boolean;
  reason?: string;
  yes?: boolean;
}

@SubCommand({ name: 'status', description: "Each growing table's retention, rows, size, oldest row and next purge" })
export class RetentionStatusCommand extends CommandRunner {
  constructor(private readonly retention: RetentionService) {
    super();
  }

  async run(_: string[], options: JsonOption): Promise<void> {
    await runCommand(async () => {
      const tables = await this.retention.state();
      if (options.json) {
        printJson({ ok: true, tables });
        return;
      }
      printTable(retentionRows(tables));
    }, options.json);
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@SubCommand({
  name: 'run',
  description: 'Archive and delete the eligible history now (--reason, --yes), or --dry-run to see what would go',
})
export class RetentionRunCommand extends CommandRunner {
  private readonly logger = new Logger(RetentionRunCommand.name);

  constructor(
    private readonly retention: RetentionService,
    private readonly jobs: JobsService,
  ) {
    super();
  }

  async run(_: string[], options: RunOptions): Promise<void> {
    await runCommand(async () => {
      if (options.dryRun) {
        const plan = await this.retention.plan();
        if (options.json) {
          printJson({ ok: true, dryRun: true, tables: plan });
          return;
        }
        printTable(
          plan.map((t) => ({
            table: t.table,
            keep: keptFor(t.days),
            'older than': t.cutoff,
            'would go': t.eligibleRows,
            archive: t.archive,
            eligible: t.days === null ? `kept whole: ${t.offBecause ?? 'retention off'}` : t.eligible,
          })),
        );
        return;
      }
      if (!options.reason)
        throw DomainError.validation([{ field: 'reason', messages: ['is required: this deletes history'] }]);
      await confirm('This archives and deletes the eligible history of every table with retention on.', options.yes);
      this.logger.log({ msg: 'retention run requested', actor: cliActor(), reason: options.reason });
      const run = await this.jobs.runNow(RETENTION_JOB, (line) => {
        if (!options.json) process.stdout.write(`${line}\n`);
      });
      if (options.json) {
        printJson({ ok: run.status === 'succeeded', run });
        return;
      }
      process.stdout.write(`Retention run #${run.id} ${run.status}${run.error ? `: ${run.error}` : ''}\n`);
      if (run.status !== 'succeeded') process.exitCode = 1;
    }, options.json);
  }

  @Option({ flags: '--dry-run', description: 'show what would be archived and deleted; change nothing' })
  parseDryRun() {
    return true;
  }

  @Option({ flags: '--reason <text>', description: 'why (logged with the run)' })
  parseReason(v: string) {
    return v;
  }

  @Option({ flags: '--yes', description: 'confirm without asking' })
  parseYes() {
    return true;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@Command({
  name: 'retention',
  description: 'Retention of growing tables: status, run (archive then delete), run --dry-run',
  subCommands: [RetentionStatusCommand, RetentionRunCommand],
})
export class RetentionCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
