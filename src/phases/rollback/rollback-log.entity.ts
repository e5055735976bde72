import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 'roll-forward': `phases enable` bringing a phase back, logged beside the rollbacks it undoes. */
export type RollbackKind = 'phase' | 'to-phase' | 'emergency' | 'roll-forward';
export type RollbackStatus = 'running' | 'completed' | 'failed' | 'superseded';
/**
 * The path that ran it: the admin CLI, the REST API (and the console on it), the CLI's lean
 * emergency path, or the rollout guard (a guardrail breached).
 */
export type RollbackMethod = 'cli' | 'api' | 'lean-emergency' | 'guard';
/** The steps of `phases enable`. */
export type RollForwardStepName = 'full-backup' | 'migrate-schema' | 'enable-flags' | 'resume-jobs';
export type StepName =
  'disable-flags' | 'stop-jobs' | 'backup' | 'revert-schema' | 'verify-legacy' | 'log' | RollForwardStepName;
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

  /** Null on rows logged before the method was recorded. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  method!: RollbackMethod | null;

  /** Written with the resolution. */
  @Column({ type: 'text', nullable: true })
  rootCause!: string | null;

  /** Written with the resolution. */
  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  /** When `phases enable` last brought one of its phases fully back (shadow-only does not count). */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  reEnabledAt!: Date | null;
}
