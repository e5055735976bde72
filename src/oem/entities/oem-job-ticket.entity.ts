import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum OemTicketStatus {
  Open = 'open',
  InProgress = 'in_progress',
  Done = 'done',
  Cancelled = 'cancelled',
}

/** The statuses in which a ticket still takes scans and can be cancelled. */
export const OPEN_TICKET_STATUSES = [OemTicketStatus.Open, OemTicketStatus.InProgress];

export enum OemStepStatus {
  Pending = 'pending',
  Active = 'active',
  Done = 'done',
  Skipped = 'skipped',
}

/**
 * An OEM customer's job ticket with its own steps. `currentSequence` (the first step neither
 * done nor skipped, null once all are) and `stepCount` are kept on the row so the scan path
 * and the Kanban read one row per ticket; every step change bumps `version` by a
 * conditional UPDATE, so two stations cannot advance the same ticket from the same state.
 */
@Entity('oem_job_ticket')
export class OemJobTicket {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 64 }) customer!: string;
  @Column({ type: 'varchar', length: 64 }) externalRef!: string;
  /** The core job_ticket whose token the mapped steps move; null for a ticket of unmapped steps. */
  @Column({ type: 'integer', nullable: true }) jobId!: number | null;
  @Column({ type: 'varchar', length: 16 }) status!: OemTicketStatus;
  @Column({ type: 'datetime', precision: 3, nullable: true }) dueAt!: Date | null;
  @Column({ type: 'integer', nullable: true }) currentSequence!: number | null;
  @Column({ type: 'integer' }) stepCount!: number;
  @Column({ type: 'integer', default: 1 }) version!: number;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt!: Date;
}

@Entity('oem_job_ticket_step')
export class OemJobTicketStep {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) ticketId!: number;
  @Column({ type: 'integer' }) sequence!: number;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  /** The graph node of the linked job this step maps to; the id is resolved once, at creation. */
  @Column({ type: 'varchar', length: 50, nullable: true }) nodeCode!: string | null;
  @Column({ type: 'integer', nullable: true }) nodeId!: number | null;
  @Column({ type: 'varchar', length: 16 }) status!: OemStepStatus;
  @Column({ type: 'datetime', precision: 3, nullable: true }) scannedAt!: Date | null;
  /** The station of the last scan that changed the step. */
  @Column({ type: 'varchar', length: 50, nullable: true }) stationCode!: string | null;
}
