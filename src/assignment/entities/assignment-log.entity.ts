import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum AssignmentMethod {
  Auto = 'auto',
  Manual = 'manual',
  Fallback = 'fallback',
}

/**
 * One candidate as stored with a decision: [operatorId, teamId (the team they came through),
 * rank (null when excluded), tier, priority, workload (null unless eligible at the best priority: not read),
 * lastAssignedAt (epoch ms), exclusions]. Compact, because every decision keeps every candidate.
 */
export type StoredCandidate = [
  number,
  number | null,
  number | null,
  'job' | 'node',
  number | null,
  number | null,
  number | null,
  Array<{ reason: string; detail?: string }>,
];

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
  /**
   * As read, every candidate. Stored compact: a reference to the shared assignment_candidate_set
   * and the contenders' standing (see assignment-log-record.ts); rows written before hold them whole.
   */
  @Column({ type: 'simple-json' }) candidates!: StoredCandidate[];
  /** The set `candidates` references (null when whole), indexed: what retention asks "still referenced?" of. */
  @Index('idx_assignment_log_candidate_set')
  @Column({ type: 'varchar', length: 64, nullable: true })
  candidateSet!: string | null;
  @Column({ type: 'varchar', length: 16 }) directory!: string;
  @Column({ type: 'datetime', precision: 3 }) decidedAt!: Date;
  @Column({ type: 'integer' }) durationUs!: number;
}
