import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What a run of automatic decisions shares (see assignment-log-record.ts), stored once: the
 * eligibility of a job and node, keyed by the sha256 of its serialisation. Never changed.
 */
@Entity('assignment_candidate_set')
export class AssignmentCandidateSet {
  @PrimaryColumn({ type: 'varchar', length: 64 }) hash!: string;
  @Column({ type: 'text' }) candidates!: string;
}
