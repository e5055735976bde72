import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One availability rule, in minutes of the local day (ASSIGNMENT_TIMEZONE), [start, end).
 * A weekly window has `weekday` (0 = Sunday); a dated exception has `onDate` and says whether
 * the subject is available (an extra window) or not (time off) during it.
 */
abstract class AvailabilityRule {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer', nullable: true }) weekday!: number | null;
  @Column({ type: 'varchar', length: 10, nullable: true }) onDate!: string | null;
  @Column({ type: 'integer' }) startMinute!: number;
  @Column({ type: 'integer' }) endMinute!: number;
  @Column({ type: 'boolean' }) available!: boolean;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
}

@Entity('operator_availability')
export class OperatorAvailability extends AvailabilityRule {
  @Column({ type: 'integer' }) accountId!: number;
}

@Entity('team_availability')
export class TeamAvailability extends AvailabilityRule {
  @Column({ type: 'integer' }) teamId!: number;
}
