import type { RollbackDrill } from './rollback-drill.entity.js';

export interface PhaseDuration {
  phase: number;
  /** Every step of this phase: its share of the rollback, its roll forward, its restore. */
  durationMs: number;
}

/** A drill as the API, the console and `rollback drill --json` show it. */
export interface DrillReport extends RollbackDrill {
  phaseDurations: PhaseDuration[];
}

export function drillReport(drill: RollbackDrill): DrillReport {
  return {
    id: drill.id,
    toPhase: drill.toPhase,
    phases: drill.phases,
    status: drill.status,
    actor: drill.actor,
    copy: drill.copy,
    startedAt: drill.startedAt,
    finishedAt: drill.finishedAt,
    durationMs: drill.durationMs,
    steps: drill.steps,
    checksums: drill.checksums,
    error: drill.error,
    phaseDurations: drill.phases.map((phase) => ({
      phase,
      durationMs: drill.steps.filter((s) => s.phase === phase).reduce((ms, s) => ms + s.durationMs, 0),
    })),
  };
}
