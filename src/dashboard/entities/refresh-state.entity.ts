import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Per analytics table: the generation readers see, and how and when it was written. */
@Entity('mv_refresh_state')
export class RefreshState {
  @PrimaryColumn({ type: 'varchar', length: 64 }) viewName!: string;
  @Column({ type: 'integer' }) generation!: number;
  /**
   * History views only: the generation that holds the partitions before `splitKey` (closed
   * partitions stay there across incremental refreshes); null when `generation` holds them all.
   */
  @Column({ type: 'integer', nullable: true }) baseGeneration!: number | null;
  /** The first partition `generation` holds, as the view stores it (bucket_start or day). */
  @Column({ type: 'varchar', length: 32, nullable: true }) splitKey!: string | null;
  /** The time the current generation's data is as of (its refresh's start). */
  @Column({ type: 'datetime', precision: 3, nullable: true }) refreshedAt!: Date | null;
  @Column({ type: 'integer', nullable: true }) durationMs!: number | null;
  @Column({ type: 'integer', nullable: true }) watermarkEventId!: number | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) mode!: 'full' | 'incremental' | null;
}
