import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A flag's targeting rules, a JSON list of FlagRule; no row: the flag has none. */
@Entity('feature_flag_rules')
export class FeatureFlagRules {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  flagKey!: string;

  @Column({ type: 'text' })
  rules!: string;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'varchar', length: 100 })
  updatedBy!: string;
}
