import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AvailabilityKind = 'shift' | 'leave';

/** A shift (when the operator works) or a leave (when they do not, whatever the shift says). */
@Entity('people_availability_cache')
export class PeopleAvailability {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  /** People's operator id. */
  @Column({ type: 'varchar', length: 64 }) operatorId!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: AvailabilityKind;
  @Column({ type: 'datetime', precision: 3 }) startsAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) endsAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) windowStart!: Date;
  @Column({ type: 'datetime', precision: 3 }) windowEnd!: Date;
  @Column({ type: 'datetime', precision: 3 }) fetchedAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) expiresAt!: Date;
}
