import type { RollbackStep } from '../rollback/rollback-log.entity.js';
import type { RollbackRecord } from '../rollback/rollback-record.js';
import { ExitCode, printJson } from '../../common/cli/command-output.js';

/** How `rollback` prints its steps and its outcome, whether the application or the lean emergency path ran it. */
export function printStep(step: RollbackStep): void {
  const where = step.phase === null ? 'all' : `phase ${step.phase}`;
  process.stdout.write(
    `  ${where.padEnd(8)} ${step.name.padEnd(14)} ${step.status.padEnd(7)} ${String(step.durationMs ?? '-').padStart(6)} ms  ${step.detail ?? ''}\n`,
  );
}

/** The rollback history's fields, as the factory's log template lists them; the ones not written yet are left out. */
export function printHistory(rollback: RollbackRecord): void {
  const fields: Array<[string, string | null]> = [
    ['Method', rollback.method],
    ['Root cause', rollback.rootCause],
    ['Resolution', rollback.resolution],
    ['Outcome', rollback.outcome],
    ['Re-enabled', rollback.reEnabledAt?.toISOString() ?? null],
  ];
  for (const [label, value] of fields) if (value) process.stdout.write(`${label}: ${value}\n`);
  for (const issue of rollback.issues) process.stdout.write(`Issue: ${issue}\n`);
}

export function report(rollback: RollbackRecord, json: boolean | undefined): void {
  if (rollback.status !== 'completed') process.exitCode = ExitCode.Error;
  if (json) {
    printJson({ ok: rollback.status === 'completed', rollback });
    return;
  }
  process.stdout.write(
    `\nRollback #${rollback.id} ${rollback.status} in ${rollback.durationMs} ms (phases ${rollback.phases.join(', ')}; data loss: ${rollback.dataLoss ? 'yes' : 'no'})\n`,
  );
  if (rollback.backupLocation) process.stdout.write(`Backup: ${rollback.backupLocation}\n`);
  printHistory(rollback);
  if (rollback.status !== 'completed') process.stdout.write('Fix the failed step, then run: rollback --resume --yes\n');
}
