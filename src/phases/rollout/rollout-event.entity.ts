import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type RolloutAction =
  'plan' | 'advance' | 'await-approval' | 'approve' | 'pause' | 'resume' | 'abort' | 'rollback' | 'complete' | 'force';

/** The audit of a plan: who did what to it, why, and on which evidence (JSON). */
@Entity('rollout_event')
export class RolloutEventRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  planId!: number;

  @Column({ type: 'integer' })
  phase!: number;

  /** The stage the plan was at when it happened. */
  @Column({ type: 'integer' })
  stage!: number;

  @Column({ type: 'varchar', length: 32 })
  action!: RolloutAction;

  @Column({ type: 'varchar', length: 100 })
  actor!: string;

  @Column({ type: 'varchar', length: 1000 })
  reason!: string;

  @Column({ type: 'text' })
  evidence!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}
