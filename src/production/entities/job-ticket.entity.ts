import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum JobStatus {
  Planned = 'planned',
  Released = 'released',
  InProgress = 'in_progress',
  Done = 'done',
  Cancelled = 'cancelled',
}

@Entity('job_ticket')
export class JobTicket {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 64 }) code!: string;
  @Column({ type: 'integer' }) graphId!: number;
  @Column({ type: 'varchar', length: 64 }) productCode!: string;
  @Column({ type: 'integer' }) quantity!: number;
  @Column({ type: 'integer', default: 0 }) priority!: number;
  @Column({ type: 'varchar', length: 16 }) status!: JobStatus;
  @Column({ type: 'datetime', precision: 3, nullable: true }) dueAt!: Date | null;
  /** Tokens neither done nor scrapped; the job is done when the last one finishes. */
  @Column({ type: 'integer', default: 0 }) openTokens!: number;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt!: Date;
}
