import { Command, CommandRunner, Option } from 'nest-commander';
import {
  cliActor,
  confirm,
  ExitCode,
  phaseNumber,
  printJson,
  printTable,
  runCommand,
} from '../../common/cli/command-output.js';
import type { RollbackPlan, RollbackRequest } from '../rollback/rollback-planner.service.js';
import { RollbackService } from '../rollback/rollback.service.js';
import { fullBackupLine } from './full-backup-report.js';
import { RollbackAdviseCommand } from './rollback-advise.command.js';
import { RollbackDrillCommand } from './rollback-drill.command.js';
import { printStep, report } from './rollback-report.js';

interface RollbackOptions {
  phase?: string;
  toPhase?: string;
  emergency?: boolean;
  reason?: string;
  revertSchema?: boolean;
  backup?: boolean;
  fullBackup?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  resume?: boolean;
  json?: boolean;
}

@Command({
  name: 'rollback',
  description:
    'Roll phases back by the runbook: --phase N | --to-phase N | --emergency, or --resume an unfinished rollback',
  subCommands: [RollbackDrillCommand, RollbackAdviseCommand],
})
export class RollbackCommand extends CommandRunner {
  constructor(private readonly rollbacks: RollbackService) {
    super();
  }

  async run(_: string[], options: RollbackOptions): Promise<void> {
    await runCommand(async () => {
      const onStep = options.json ? undefined : printStep;
      if (options.resume) {
        await confirm('Resume the unfinished rollback?', options.yes);
        report(await this.rollbacks.resume(cliActor(), onStep), options.json);
        return;
      }
      const request: RollbackRequest = {
        ...(options.phase !== undefined ? { phase: phaseNumber(options.phase, 'phase') } : {}),
        ...(options.toPhase !== undefined ? { toPhase: phaseNumber(options.toPhase, 'to-phase') } : {}),
        emergency: options.emergency,
        revertSchema: options.revertSchema,
        backup: options.backup,
        fullBackup: options.fullBackup,
        reason: options.reason,
        actor: cliActor(),
        method: 'cli',
      };
      if (options.dryRun) {
        const plan = await this.rollbacks.plan(request);
        if (options.json) printJson({ ok: plan.refusals.length === 0, dryRun: true, plan });
        else printPlan(plan);
        // a plan that would be refused fails the dry run too, so scripts can gate on it
        if (plan.refusals.length) process.exitCode = ExitCode.Refused;
        return;
      }
      // with --yes nothing is planned twice: an emergency must not wait for table statistics
      await confirm('Go ahead with this rollback?', options.yes, async () =>
        printPlan(await this.rollbacks.plan(request)),
      );
      report(await this.rollbacks.rollback(request, onStep), options.json);
    }, options.json);
  }

  @Option({ flags: '--phase <n>', description: 'roll back this one phase' })
  parsePhase(v: string) {
    return v;
  }

  @Option({ flags: '--to-phase <n>', description: 'roll back every phase from the highest down to N, in order' })
  parseToPhase(v: string) {
    return v;
  }

  @Option({
    flags: '--emergency',
    description: 'every phase flag off and every phase job stopped at once; no schema change, no data touched',
  })
  parseEmergency() {
    return true;
  }

  @Option({ flags: '--reason <text>', description: 'why (required; kept in the rollback log and flag audit)' })
  parseReason(v: string) {
    return v;
  }

  @Option({
    flags: '--revert-schema',
    description: "also revert the phases' schemas, in stack order, through the migration guard",
  })
  parseRevertSchema() {
    return true;
  }

  @Option({ flags: '--backup', description: 'back up owned tables and columns to BACKUP_DIR before the revert' })
  parseBackup() {
    return true;
  }

  @Option({
    flags: '--full-backup',
    description: 'take a full-database backup (backup --full) before the first step; refused if it fails',
  })
  parseFullBackup() {
    return true;
  }

  @Option({
    flags: '--dry-run',
    description: 'print the plan (steps, tables, data-loss risk, refusals) and change nothing',
  })
  parseDryRun() {
    return true;
  }

  @Option({ flags: '--yes', description: 'do not ask for confirmation (required when stdin is not a terminal)' })
  parseYes() {
    return true;
  }

  @Option({ flags: '--resume', description: 'continue the latest unfinished rollback from its first step not done' })
  parseResume() {
    return true;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

function printPlan(plan: RollbackPlan): void {
  process.stdout.write(
    `Plan: ${plan.kind} rollback of phase ${plan.phases.join(', ')}${plan.revertSchema ? ', schema reverted' : ', schema kept'}${plan.backup ? `, backup to ${plan.backupDir}` : ''}${plan.fullBackup ? ', full backup first' : ''}\n`,
  );
  process.stdout.write(`${fullBackupLine(plan.lastFullBackup)}\n`);
  for (const p of plan.phasePlans) {
    process.stdout.write(
      `\nPhase ${p.phase} ${p.title} (data-loss risk ${p.dataLossRisk}; schema ${p.schema}; fallback: ${p.legacyFallback})\n`,
    );
    process.stdout.write(
      `  flags on: ${p.flagsOn.join(', ') || 'none'}; jobs: ${p.jobs.map((j) => `${j.name}${j.running ? ' (running)' : ''}${j.stopped ? ' (stopped)' : ''}`).join(', ') || 'none'}`,
    );
    process.stdout.write(`; in flight: ${p.inFlight ? `${p.inFlight.count} (${p.inFlight.description})` : '-'}\n`);
    printTable(
      p.tables.map((t) => ({
        table: t.column ? `${t.table}.${t.column}` : t.table,
        rebuildable: t.rebuildable ? 'yes' : 'no',
        rows: t.rows,
        empty: t.exists ? (t.holdsData ? 'no' : 'yes') : '-',
        action: t.action,
      })),
    );
  }
  process.stdout.write(`\nSteps: ${plan.steps.map((s) => `${s.phase ?? 'all'}:${s.name}`).join(' > ')}\n`);
  process.stdout.write(`Data loss: ${plan.dataLoss ? 'yes (rebuildable data dropped without a backup)' : 'no'}\n`);
  for (const r of plan.refusals) process.stdout.write(`Would be refused: ${r}\n`);
}
