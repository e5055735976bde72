import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A stop stored in the database, so every replica obeys it. */
@Entity('job_control')
export class JobControl {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'boolean', default: false })
  stopped!: boolean;

  @Column({ type: 'datetime', precision: 3 })
  changedAt!: Date;

  @Column({ type: 'varchar', length: 100 })
  changedBy!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;
}
