import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum OemRuleAction {
  /** The current step moves one state on: pending -> active, active -> done. */
  Advance = 'advance',
  /** The current step goes straight to done. */
  Complete = 'complete',
  /** The current (pending) step is skipped; no token moves. */
  Skip = 'skip',
}

/**
 * How a station reads one customer's barcodes. The pattern (RE2 syntax, matched against the
 * whole barcode) names the ticket with a `ref` group (the customer's order reference) or a
 * `job` group (the linked job's code, e.g. from a token serial), and may name the step with
 * `seq`; without `seq` the scan acts on the ticket's current step.
 */
@Entity('oem_scan_rule')
export class OemScanRule {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 64 }) customer!: string;
  @Column({ type: 'varchar', length: 50 }) stationCode!: string;
  @Column({ type: 'varchar', length: 200 }) pattern!: string;
  @Column({ type: 'varchar', length: 16 }) action!: OemRuleAction;
  /** Higher first; ties by id. */
  @Column({ type: 'integer', default: 0 }) priority!: number;
  @Column({ type: 'boolean', default: true }) active!: boolean;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt!: Date;
}
