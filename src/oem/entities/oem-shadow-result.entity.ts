import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What a shadow-run comparison found; `agree` and `not_oem` are not discrepancies. */
export enum ShadowKind {
  /** OEM mode would have moved the same token the same way. */
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
}

/** One scan of a shadow run: what manual mode did beside what OEM mode would have done. */
@Entity('oem_shadow_result')
export class OemShadowResult {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) stationCode!: string;
  @Column({ type: 'varchar', length: 120 }) barcode!: string;
  @Column({ type: 'varchar', length: 20 }) kind!: ShadowKind;
  @Column({ type: 'simple-json' }) manual!: Record<string, unknown>;
  @Column({ type: 'simple-json' }) oem!: Record<string, unknown>;
  @Column({ type: 'datetime', precision: 3 }) recordedAt!: Date;
}
