import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only: one row per flag change, written in the change's own transaction. */
@Entity('feature_flag_audit')
export class FeatureFlagAudit {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'boolean', nullable: true })
  oldValue!: boolean | null;

  @Column({ type: 'boolean' })
  newValue!: boolean;

  @Column({ type: 'varchar', length: 100 })
  actor!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'datetime', precision: 3 })
  changedAt!: Date;
}
