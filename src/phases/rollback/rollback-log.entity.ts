import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type RollbackKind = 'phase' | 'to-phase' | 'emergency';
export type RollbackStatus = 'running' | 'completed' | 'failed' | 'superseded';
export type StepName = 'disable-flags' | 'stop-jobs' | 'backup' | 'revert-schema' | 'verify-legacy' | 'log';
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** One runbook step of one phase (phase null: every phase at once, as in an emergency). */
export interface RollbackStep {
  phase: number | null;
  name: StepName;
  status: StepStatus;
  startedAt: string | null;
  durationMs: number | null;
  detail: string | null;
}

/** The runbook's rollback log template, one row per rollback. */
@Entity('rollback_log')
export class RollbackLogEntry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 16 })
  kind!: RollbackKind;

  /** Stored as ",10,9,": see phaseList(). */
  @Column({ type: 'varchar', length: 200 })
  phases!: string;

  @Column({ type: 'boolean', default: false })
  revertSchema!: boolean;

  @Column({ type: 'boolean', default: false })
  backup!: boolean;

  @Column({ type: 'varchar', length: 1000 })
  reason!: string;

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: RollbackStatus;

  @Column({ type: 'datetime', precision: 3 })
  startedAt!: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ type: 'boolean', default: false })
  dataLoss!: boolean;

  @Column({ type: 'simple-json' })
  issues!: string[];

  @Column({ type: 'text', nullable: true })
  resolution!: string | null;

  @Column({ type: 'simple-json' })
  steps!: RollbackStep[];

  @Column({ type: 'varchar', length: 1000, nullable: true })
  backupLocation!: string | null;
}

export { phaseList } from './rollback-record.js';
