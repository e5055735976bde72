import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A rejected record or a failed run. Never the payload itself: only its keyed hash. */
@Entity('people_sync_error_log')
export class PeopleSyncError {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 100 }) jobName!: string;
  /** People's id of the rejected record; null for a failure of the whole run. */
  @Column({ type: 'varchar', length: 100, nullable: true }) recordId!: string | null;
  @Column({ type: 'varchar', length: 500 }) error!: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) payloadHash!: string | null;
  @Column({ type: 'datetime', precision: 3 }) occurredAt!: Date;
}
