import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only: one row per change of a flag's rules, written in the change's own transaction. */
@Entity('feature_flag_rules_audit')
export class FeatureFlagRulesAudit {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  flagKey!: string;

  /** JSON; null when the flag had no rules. */
  @Column({ type: 'text', nullable: true })
  oldRules!: string | null;

  /** JSON; null when the rules were cleared. */
  @Column({ type: 'text', nullable: true })
  newRules!: string | null;

  @Column({ type: 'varchar', length: 100 })
  actor!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'datetime', precision: 3 })
  changedAt!: Date;
}
