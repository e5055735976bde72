import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('feature_flag')
export class FeatureFlag {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'boolean', default: false })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'varchar', length: 100 })
  updatedBy!: string;
}
