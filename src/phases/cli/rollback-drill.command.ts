import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { cliActor, ExitCode, phaseNumber, printJson, printTable, runCommand } from '../../common/cli/command-output.js';
import type { DrillReport } from '../rollback/drill/drill-report.js';
import type { DrillStep } from '../rollback/drill/rollback-drill.entity.js';
import { RollbackDrillService } from '../rollback/drill/rollback-drill.service.js';

interface DrillOptions {
  toPhase?: string;
  json?: boolean;
}

@SubCommand({
  name: 'drill',
  description:
    'Rehearse the rollback on a scratch copy of the database (from a full backup): roll back with backups and schema reverts, enable each phase again, restore, compare checksums, drop the copy',
})
export class RollbackDrillCommand extends CommandRunner {
  constructor(private readonly drills: RollbackDrillService) {
    super();
  }

  async run(): Promise<void> {
    // `rollback` declares --to-phase and --json too, and commander gives an option written
    // after the subcommand to the parent that knows it: read both levels
    const options = this.command.optsWithGlobals<DrillOptions>();
    await runCommand(async () => {
      const report = await this.drills.run(
        {
          ...(options.toPhase !== undefined ? { toPhase: phaseNumber(options.toPhase, 'to-phase') } : {}),
          actor: cliActor(),
        },
        options.json ? undefined : printStep,
      );
      if (report.status !== 'passed') process.exitCode = ExitCode.Error;
      if (options.json) printJson({ ok: report.status === 'passed', drill: report });
      else printSummary(report);
    }, options.json);
  }

  @Option({ flags: '--to-phase <n>', description: 'rehearse the rollback down to this phase (default: the lowest)' })
  parseToPhase(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

function printStep(step: DrillStep): void {
  const where = step.phase === null ? 'drill' : `phase ${step.phase}`;
  process.stdout.write(
    `  ${where.padEnd(8)} ${step.name.padEnd(14)} ${step.status.padEnd(7)} ${String(step.durationMs).padStart(7)} ms  ${step.detail ?? ''}\n`,
  );
}

function printSummary(report: DrillReport): void {
  const ms = (phase: number, ...names: string[]) =>
    report.steps.filter((s) => s.phase === phase && names.includes(s.name)).reduce((n, s) => n + s.durationMs, 0);
  process.stdout.write('\nPer phase (ms):\n');
  printTable(
    report.phaseDurations.map(({ phase, durationMs }) => ({
      phase,
      'flags+jobs': ms(phase, 'disable-flags', 'stop-jobs', 'verify-legacy'),
      backup: ms(phase, 'backup'),
      'revert-schema': ms(phase, 'revert-schema'),
      enable: ms(phase, 'enable'),
      restore: ms(phase, 'restore'),
      total: durationMs,
    })),
  );
  const bad = report.checksums.filter((c) => !c.ok);
  process.stdout.write(
    `\nChecksums: ${report.checksums.length - bad.length} of ${report.checksums.length} tables and columns match\n`,
  );
  for (const c of bad) {
    process.stdout.write(
      `Mismatch: ${c.column ? `${c.table}.${c.column}` : c.table} (phase ${c.phase}): ${c.rows} rows before, ${c.actualRows ?? 'missing'} after\n`,
    );
  }
  if (report.error) process.stdout.write(`Error: ${report.error}\n`);
  process.stdout.write(
    `\nDrill #${report.id} ${report.status} in ${report.durationMs} ms on ${report.copy} (phases ${report.phases.join(', ')}); the copy is dropped\n`,
  );
}
