import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum AssignmentMethod {
  Auto = 'auto',
  Manual = 'manual',
  Fallback = 'fallback',
}

/** One candidate as the resolver saw it; stored as JSON on every decision. */
export interface LoggedCandidate {
  operatorId: number;
  /** The team through which the operator was a candidate, if any. */
  teamId: number | null;
  /** 1-based rank among eligible candidates; null when excluded. */
  rank: number | null;
  tier: 'job' | 'node';
  priority: number | null;
  workload: number;
  lastAssignedAt: string | null;
  exclusions: Array<{ reason: string; detail?: string }>;
}

/** The audit trail: one row per token per automatic decision, append-only. */
@Entity('assignment_log')
export class AssignmentLog {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) tokenId!: number;
  @Column({ type: 'integer' }) jobId!: number;
  @Column({ type: 'integer' }) nodeId!: number;
  @Column({ type: 'integer', nullable: true }) accountId!: number | null;
  @Column({ type: 'integer', nullable: true }) teamId!: number | null;
  @Column({ type: 'varchar', length: 16 }) method!: AssignmentMethod;
  @Column({ type: 'varchar', length: 255, nullable: true }) reason!: string | null;
  @Column({ type: 'simple-json' }) candidates!: LoggedCandidate[];
  @Column({ type: 'varchar', length: 16 }) directory!: string;
  @Column({ type: 'datetime', precision: 3 }) decidedAt!: Date;
  @Column({ type: 'integer' }) durationUs!: number;
}
