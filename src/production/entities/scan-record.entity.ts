import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The last accepted scan per station and barcode, with its result: the database, not a
 * replica's memory, decides whether a scan repeats one inside the de-duplication window.
 */
@Entity('scan_record')
export class ScanRecord {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) stationCode!: string;
  @Column({ type: 'varchar', length: 120 }) barcode!: string;
  @Column({ type: 'datetime', precision: 3 }) scannedAt!: Date;
  @Column({ type: 'integer', nullable: true }) tokenId!: number | null;
  @Column({ type: 'text', nullable: true }) result!: string | null;
}
