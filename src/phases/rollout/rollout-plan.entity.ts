import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 'awaiting_approval': the stage passed its guardrails and the plan asks a person before the next. */
export const ROLLOUT_STATUSES = [
  'active',
  'paused',
  'awaiting_approval',
  'completed',
  'aborted',
  'rolled_back',
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];
/** A plan in one of these holds its phase: no second plan for it may start. */
export const LIVE_STATUSES: readonly RolloutStatus[] = ['active', 'paused', 'awaiting_approval'];

/** A phase switched on stage by stage; `stages` is a JSON list of RolloutStage. */
@Entity('rollout_plan')
export class RolloutPlanRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  phase!: number;

  /** The phase while the plan is live, else null: unique, so one live plan per phase. */
  @Column({ type: 'integer', nullable: true })
  activePhase!: number | null;

  @Column({ type: 'text' })
  stages!: string;

  @Column({ type: 'integer' })
  currentStage!: number;

  @Column({ type: 'datetime', precision: 3 })
  stageStartedAt!: Date;

  /** When the stage before began (its window ends at stageStartedAt); null at the first stage. */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  previousStageStartedAt!: Date | null;

  @Column({ type: 'varchar', length: 24 })
  status!: RolloutStatus;

  @Column({ type: 'boolean', default: false })
  requiresApproval!: boolean;

  @Column({ type: 'varchar', length: 100 })
  createdBy!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt!: Date;

  /** Bumped by every change: an update names the version it read (optimistic). */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
