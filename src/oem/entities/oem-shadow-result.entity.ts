import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OemStepStatus, OemTicketStatus } from './oem-job-ticket.entity.js';

/** What a shadow-run comparison found; `agree` and `not_oem` are not discrepancies. */
export enum ShadowKind {
  /** OEM mode would have moved the same token the same way, or refused the scan as manual mode did. */
  Agree = 'agree',
  /** No OEM rule takes the barcode: OEM mode would have run the manual path too. */
  NotOem = 'not_oem',
  NoRule = 'no_rule',
  OutOfOrder = 'out_of_order',
  /** OEM mode would have refused the scan for another reason (ticket cancelled, token state...). */
  Refused = 'refused',
  /** OEM mode would have moved another token, at another node, or in another way. */
  DifferentMove = 'different_move',
  /** OEM mode would have advanced an unmapped step and moved no token. */
  TokenNotMoved = 'token_not_moved',
  /** Manual mode refused (or failed) a scan OEM mode would have applied. */
  ManualRefused = 'manual_refused',
}

/**
 * One scan of a shadow run: what manual mode did beside what OEM mode would have done. A scan
 * OEM mode would have applied also carries the ticket state it would have reached, and the
 * stored ticket state that was planned from: a ticket's latest such row is its shadow step
 * progress for as long as the stored ticket stays as it was.
 */
@Entity('oem_shadow_result')
export class OemShadowResult {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) stationCode!: string;
  @Column({ type: 'varchar', length: 120 }) barcode!: string;
  @Column({ type: 'varchar', length: 20 }) kind!: ShadowKind;
  @Column({ type: 'simple-json' }) manual!: Record<string, unknown>;
  @Column({ type: 'simple-json' }) oem!: Record<string, unknown>;
  @Column({ type: 'datetime', precision: 3 }) recordedAt!: Date;
  /** The ticket OEM mode would have advanced; null when it would have applied nothing. */
  @Column({ type: 'integer', nullable: true }) ticketId!: number | null;
  @Column({ type: 'integer', nullable: true }) baseVersion!: number | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) baseStepStatus!: OemStepStatus | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) reachedStatus!: OemTicketStatus | null;
  @Column({ type: 'integer', nullable: true }) reachedSequence!: number | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) reachedStepStatus!: OemStepStatus | null;
}
