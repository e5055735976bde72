import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RollForwardStepName, StepName } from '../rollback-log.entity.js';

export type DrillStatus = 'running' | 'passed' | 'failed';

/** The rollback's steps the drill reports (re-enabling is the drill's own `enable`): a new one fails to compile here until listed. */
type RollbackStepName = Exclude<StepName, RollForwardStepName>;
const ROLLBACK_STEPS: Record<RollbackStepName, true> = {
  'disable-flags': true,
  'stop-jobs': true,
  backup: true,
  'revert-schema': true,
  'verify-legacy': true,
  log: true,
};

/**
 * The drill's own steps around the rollback's: the copy is made (full backup of the live
 * database, loaded into the scratch one, the application started on it) and checksummed, the
 * rollback's steps run, each phase is enabled again and its backup restored, the checksums are
 * compared, and the copy is dropped.
 */
export const DRILL_STEP_NAMES = [
  'full-backup',
  'load-copy',
  'start-copy',
  'checksum',
  ...(Object.keys(ROLLBACK_STEPS) as RollbackStepName[]),
  'enable',
  'restore',
  'verify',
  'drop-copy',
] as const;

export type DrillStepName = (typeof DRILL_STEP_NAMES)[number] | StepName;

/** One timed step; phase null: the drill or the rollback as a whole. */
export interface DrillStep {
  phase: number | null;
  name: DrillStepName;
  status: 'done' | 'failed' | 'skipped';
  /** ISO time; null for a rollback step that never started. */
  startedAt: string | null;
  durationMs: number;
  detail: string | null;
}

/** One owned table or column: its rows and sha256 on the copy before the rollback and after the restore. */
export interface DrillChecksum {
  phase: number;
  table: string;
  column?: string;
  rows: number;
  expected: string;
  /** null: the table or column was missing after the restore. */
  actual: string | null;
  actualRows: number | null;
  ok: boolean;
}

@Entity('rollback_drill')
export class RollbackDrill {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  toPhase!: number;

  @Column({ type: 'simple-json' })
  phases!: number[];

  @Column({ type: 'varchar', length: 16 })
  status!: DrillStatus;

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  @Column({ type: 'varchar', length: 1000 })
  copy!: string;

  @Column({ type: 'datetime', precision: 3 })
  startedAt!: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ type: 'simple-json' })
  steps!: DrillStep[];

  @Column({ type: 'simple-json' })
  checksums!: DrillChecksum[];

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
