import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum LeaveStatus {
  Pending = 'pending',
  Approved = 'approved',
  Rejected = 'rejected',
  Cancelled = 'cancelled',
}

/** An operator's leave over [startsAt, endsAt); only approved leave excludes them from assignment. */
@Entity('leave_request')
export class LeaveRequest {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) accountId!: number;
  @Column({ type: 'datetime', precision: 3 }) startsAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) endsAt!: Date;
  @Column({ type: 'varchar', length: 16 }) status!: LeaveStatus;
  @Column({ type: 'varchar', length: 200, nullable: true }) reason!: string | null;
  @Column({ type: 'varchar', length: 100 }) requestedBy!: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) decidedBy!: string | null;
  @Column({ type: 'datetime', precision: 3, nullable: true }) decidedAt!: Date | null;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
}
