import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../../common/errors/domain-error.js';
import { RollbackLog, type RollbackSummary } from '../rollback/rollback-log.service.js';
import { PhaseStatusService } from '../status/phase-status.service.js';
import { RetentionService } from '../retention/retention.service.js';
import { retentionRows } from './retention-report.js';
import { RollForwardService } from '../rollback/roll-forward.service.js';
import { cliActor, phaseNumber, printJson, printTable, runCommand } from '../../common/cli/command-output.js';
import { MAX_ID } from '../../common/validation/decimal.js';
import { printHistory } from './rollback-report.js';

@SubCommand({
  name: 'status',
  description: "Each phase: schema, flags, jobs, tables and its last rollback; then each growing table's retention",
})
export class PhasesStatusCommand extends CommandRunner {
  constructor(
    private readonly status: PhaseStatusService,
    private readonly retention: RetentionService,
  ) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    await runCommand(async () => {
      const phases = await this.status.all();
      if (options.json) {
        printJson(phases);
        return;
      }
      printTable(
        phases.map((p) => ({
          phase: p.number,
          key: p.key,
          schema: p.schema.state,
          flagsOn:
            p.flags
              .filter((f) => f.effective)
              .map((f) => f.key)
              .join(',') || 'none',
          jobs:
            p.jobs
              .map(
                (j) =>
                  `${j.name}${j.stopped ? ':stopped' : ''}${j.running ? ':running' : ''}${j.heldBy ? ':held-by-read-only-mode' : ''}`,
              )
              .join(',') || 'none',
          rows: p.tables.map((t) => `${t.name}=${t.rows ?? '-'}`).join(' '),
          risk: p.dataLossRisk,
          lastRollback: p.lastRollback ? describeLast(p.lastRollback) : '-',
        })),
      );
      process.stdout.write("\nRetention (every growing table, the core's too)\n");
      printTable(retentionRows(await this.retention.state()));
    }, options.json);
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@SubCommand({
  name: 'enable',
  description: 'Roll a phase forward: migrate its schema up, then switch its flags on and resume its jobs',
})
export class PhasesEnableCommand extends CommandRunner {
  constructor(private readonly rollForward: RollForwardService) {
    super();
  }

  async run(
    _: string[],
    options: { phase?: string; shadowOnly?: boolean; fullBackup?: boolean; reason?: string; json?: boolean },
  ): Promise<void> {
    await runCommand(async () => {
      if (options.phase === undefined)
        throw DomainError.validation([{ field: 'phase', messages: ['is required (--phase N)'] }]);
      const phase = phaseNumber(options.phase, 'phase');
      if (!options.reason?.trim())
        throw DomainError.validation([
          { field: 'reason', messages: ['re-enabling a phase needs a reason (--reason TEXT)'] },
        ]);
      const result = await this.rollForward.enable(
        phase,
        { shadowOnly: options.shadowOnly, fullBackup: options.fullBackup, method: 'cli' },
        { actor: cliActor(), reason: options.reason },
      );
      if (options.json) {
        printJson({ ok: true, ...result });
        return;
      }
      process.stdout.write(
        `Phase ${phase}: ${result.migrationsApplied.length ? `applied ${result.migrationsApplied.join(', ')}` : 'schema already up'}\n`,
      );
      process.stdout.write(
        `  flags on: ${result.flagsOn.join(', ') || 'none'}\n  jobs resumed: ${result.jobsResumed.join(', ') || 'none'}\n`,
      );
      if (result.log.backupLocation) process.stdout.write(`  full backup: ${result.log.backupLocation}\n`);
      process.stdout.write(`  logged as roll-forward #${result.log.id} (${result.log.durationMs} ms)\n`);
    }, options.json);
  }

  @Option({ flags: '--phase <n>', description: 'the phase to enable' })
  parsePhase(v: string) {
    return v;
  }

  @Option({
    flags: '--shadow-only',
    description: 'switch on only the shadow flags (evaluate the new path without applying it)',
  })
  parseShadowOnly() {
    return true;
  }

  @Option({
    flags: '--full-backup',
    description: 'take a full-database backup (backup --full) first; refused, nothing changed, if it fails',
  })
  parseFullBackup() {
    return true;
  }

  @Option({
    flags: '--reason <text>',
    description: 'why (required; kept in the rollback log as a roll-forward and in the flag audit)',
  })
  parseReason(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

interface ResolveOptions {
  rollback?: string;
  resolution?: string;
  rootCause?: string;
  outcome?: string;
  json?: boolean;
}

@SubCommand({
  name: 'resolve',
  description: "Write a rollback's resolution, root cause and outcome into the rollback log; sends the RESOLVED notice",
})
export class PhasesResolveCommand extends CommandRunner {
  constructor(private readonly log: RollbackLog) {
    super();
  }

  async run(_: string[], options: ResolveOptions): Promise<void> {
    await runCommand(async () => {
      const { rollback: id, resolution } = options;
      const missing = Object.entries({ rollback: id, resolution }).filter(([, v]) => !v?.trim());
      if (!id?.trim() || !resolution?.trim())
        throw DomainError.validation(missing.map(([field]) => ({ field, messages: [`is required (--${field} ...)`] })));
      const rollback = await this.log.setResolution(rollbackId(id), {
        resolution: resolution.trim(),
        rootCause: options.rootCause?.trim() || undefined,
        outcome: options.outcome?.trim() || undefined,
      });
      if (options.json) printJson({ ok: true, rollback });
      else printHistory(rollback);
    }, options.json);
  }

  @Option({ flags: '--rollback <id>', description: 'the rollback log entry (its #id)' })
  parseRollback(v: string) {
    return v;
  }

  @Option({ flags: '--resolution <text>', description: 'how it was resolved (required)' })
  parseResolution(v: string) {
    return v;
  }

  @Option({ flags: '--root-cause <text>', description: 'what caused it' })
  parseRootCause(v: string) {
    return v;
  }

  @Option({ flags: '--outcome <text>', description: 'how it ended (e.g. "fixed, re-enabled, no further issues")' })
  parseOutcome(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@Command({
  name: 'phases',
  description: 'Phase status, roll forward, and the resolution of a rollback',
  subCommands: [PhasesStatusCommand, PhasesEnableCommand, PhasesResolveCommand],
})
export class PhasesCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

function describeLast(r: RollbackSummary): string {
  const back = r.reEnabledAt ? ` re-enabled ${r.reEnabledAt.toISOString()}` : '';
  return `#${r.id} ${r.kind} ${r.status} ${r.startedAt.toISOString()}${back}`;
}

function rollbackId(value: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || id < 1 || id > MAX_ID)
    throw DomainError.validation([{ field: 'rollback', messages: [`must be a rollback log id, got "${value}"`] }]);
  return id;
}
