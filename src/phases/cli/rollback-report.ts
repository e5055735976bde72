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

export function report(rollback: RollbackRecord, json: boolean | undefined): void {
  if (rollback.status !== 'completed') process.exitCode = ExitCode.Error;
  if (json) return printJson({ ok: rollback.status === 'completed', rollback });
  process.stdout.write(
    `\nRollback #${rollback.id} ${rollback.status} in ${rollback.durationMs} ms (phases ${rollback.phases.join(', ')}; data loss: ${rollback.dataLoss ? 'yes' : 'no'})\n`,
  );
  if (rollback.backupLocation) process.stdout.write(`Backup: ${rollback.backupLocation}\n`);
  for (const issue of rollback.issues) process.stdout.write(`Issue: ${issue}\n`);
  if (rollback.status !== 'completed') process.stdout.write('Fix the failed step, then run: rollback --resume --yes\n');
}
