import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Per table retention has purged: rows aged before `purgedBefore` may be gone, rows at or after it are all there. */
@Entity('retention_horizon')
export class RetentionHorizon {
  @PrimaryColumn({ type: 'varchar', length: 100 }) tableName!: string;
  @Column({ type: 'datetime', precision: 3 }) purgedBefore!: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt!: Date;
}
