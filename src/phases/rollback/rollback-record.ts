import type { RollbackKind, RollbackLogEntry, RollbackStatus, RollbackStep, StepName } from './rollback-log.entity.js';

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
}

export function phaseList(entry: Pick<RollbackLogEntry, 'phases'>): number[] {
  return entry.phases.split(',').filter(Boolean).map(Number);
}

export function summary(entry: RollbackLogEntry): RollbackSummary {
  const { id, kind, status, reason, actor, startedAt, finishedAt, durationMs, dataLoss } = entry;
  return { id, kind, phases: phaseList(entry), status, reason, actor, startedAt, finishedAt, durationMs, dataLoss };
}

export function record(entry: RollbackLogEntry): RollbackRecord {
  const { revertSchema, backup, requestId, issues, resolution, steps, backupLocation } = entry;
  return { ...summary(entry), revertSchema, backup, requestId, issues, resolution, steps, backupLocation };
}

export function stepsFor(
  kind: RollbackKind,
  phases: ReadonlyArray<{ number: number }>,
  revertSchema: boolean,
  backup: boolean,
): RollbackStep[] {
  const step = (phase: number | null, name: StepName): RollbackStep => ({
    phase,
    name,
    status: 'pending',
    startedAt: null,
    durationMs: null,
    detail: null,
  });
  if (kind === 'emergency') {
    return [
      step(null, 'disable-flags'),
      step(null, 'stop-jobs'),
      ...phases.map((p) => step(p.number, 'verify-legacy')),
      step(null, 'log'),
    ];
  }
  const perPhase = (): StepName[] => [
    'disable-flags',
    'stop-jobs',
    ...(backup ? (['backup'] as const) : []),
    ...(revertSchema ? (['revert-schema'] as const) : []),
    'verify-legacy',
  ];
  return [...phases.flatMap((p) => perPhase().map((name) => step(p.number, name))), step(null, 'log')];
}

/** The body of a rollback's webhook notice. */
export function rollbackNotice(entry: RollbackLogEntry): Record<string, unknown> {
  const { id, kind, reason, actor, status, durationMs, dataLoss, issues, backupLocation } = entry;
  return {
    rollback: id,
    kind,
    phases: phaseList(entry),
    reason,
    actor,
    status,
    durationMs,
    dataLoss,
    issues,
    backupLocation,
  };
}
