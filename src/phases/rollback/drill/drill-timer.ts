import type { RollbackStep } from '../rollback-log.entity.js';
import type { DrillStep, DrillStepName, RollbackDrill } from './rollback-drill.entity.js';

/** Told about each step as it finishes, so the CLI can print progress. */
export type DrillListener = (step: DrillStep) => void;

export interface StepResult<T> {
  value: T;
  detail: string;
  /** The step ran but its result is a failure (a checksum mismatch). */
  failed?: boolean;
}

/** Times the drill's steps and adds each, done or failed, to the report as it finishes. */
export class DrillTimer {
  constructor(
    private readonly drill: RollbackDrill,
    private readonly onStep?: DrillListener,
  ) {}

  /** Runs one step; a thrown error is recorded on the step and thrown on. */
  async time<T>(phase: number | null, name: DrillStepName, work: () => Promise<StepResult<T>>): Promise<T> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    try {
      const result = await work();
      this.add({
        phase,
        name,
        status: result.failed ? 'failed' : 'done',
        startedAt,
        durationMs: Date.now() - started,
        detail: result.detail,
      });
      return result.value;
    } catch (error) {
      this.add({
        phase,
        name,
        status: 'failed',
        startedAt,
        durationMs: Date.now() - started,
        detail: messageOf(error),
      });
      throw error;
    }
  }

  /** A step of the rollback the drill ran on its copy, as the rollback service reported it. */
  rollbackStep(step: RollbackStep): void {
    this.add({
      phase: step.phase,
      name: step.name,
      status: step.status === 'done' || step.status === 'skipped' ? step.status : 'failed',
      startedAt: step.startedAt,
      durationMs: step.durationMs ?? 0,
      detail: step.detail,
    });
  }

  private add(step: DrillStep): void {
    this.drill.steps = [...this.drill.steps, step];
    this.onStep?.(step);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
