import type {
  RollbackKind,
  RollbackLogEntry,
  RollbackMethod,
  RollbackStatus,
  RollbackStep,
  StepName,
} from './rollback-log.entity.js';

/**
 * The plain shapes of a rollback: its steps, its record as the API, CLI and log show it, and
 * the webhook notice. Free of Nest and TypeORM, so the lean emergency path shares them.
 */
export interface RollbackSummary {
  id: number;
  kind: RollbackKind;
  phases: number[];
  status: RollbackStatus;
  reason: string;
  actor: string;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  dataLoss: boolean;
  method: RollbackMethod | null;
  reEnabledAt: Date | null;
}

/** The runbook's log template: who, when, why, what it cost, what went wrong and how it was resolved. */
export interface RollbackRecord extends RollbackSummary {
  revertSchema: boolean;
  backup: boolean;
  requestId: string | null;
  issues: string[];
  resolution: string | null;
  steps: RollbackStep[];
  backupLocation: string | null;
  rootCause: string | null;
  outcome: string | null;
}

export function phaseList(entry: Pick<RollbackLogEntry, 'phases'>): number[] {
  return entry.phases.split(',').filter(Boolean).map(Number);
}

export function summary(entry: RollbackLogEntry): RollbackSummary {
  const { id, kind, status, reason, actor, startedAt, finishedAt, durationMs, dataLoss, method, reEnabledAt } = entry;
  return {
    ...{ id, kind, phases: phaseList(entry), status, reason, actor, startedAt, finishedAt, durationMs, dataLoss },
    ...{ method, reEnabledAt },
  };
}

export function record(entry: RollbackLogEntry): RollbackRecord {
  const { revertSchema, backup, requestId, issues, resolution, steps, backupLocation, rootCause, outcome } = entry;
  return {
    ...summary(entry),
    ...{ revertSchema, backup, requestId, issues, resolution, steps, backupLocation, rootCause, outcome },
  };
}

const pending = (phase: number | null, name: StepName): RollbackStep => ({
  phase,
  name,
  status: 'pending',
  startedAt: null,
  durationMs: null,
  detail: null,
});

export function stepsFor(
  kind: RollbackKind,
  phases: ReadonlyArray<{ number: number }>,
  revertSchema: boolean,
  backup: boolean,
): RollbackStep[] {
  if (kind === 'emergency') {
    return [
      pending(null, 'disable-flags'),
      pending(null, 'stop-jobs'),
      ...phases.map((p) => pending(p.number, 'verify-legacy')),
      pending(null, 'log'),
    ];
  }
  const perPhase = (): StepName[] => [
    'disable-flags',
    'stop-jobs',
    ...(backup ? (['backup'] as const) : []),
    ...(revertSchema ? (['revert-schema'] as const) : []),
    'verify-legacy',
  ];
  return [...phases.flatMap((p) => perPhase().map((name) => pending(p.number, name))), pending(null, 'log')];
}

/** `phases enable`: an optional full backup, then schema, flags and jobs, then the log. */
export function rollForwardSteps(phase: number, fullBackup: boolean): RollbackStep[] {
  const names: StepName[] = [
    ...(fullBackup ? (['full-backup'] as const) : []),
    'migrate-schema',
    'enable-flags',
    'resume-jobs',
  ];
  return [...names.map((name) => pending(phase, name)), pending(null, 'log')];
}
