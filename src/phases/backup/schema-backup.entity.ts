import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of a backup's manifest: a table, or an owned column with its row keys. */
export interface BackupItem {
  table: string;
  column?: string;
  key: string[];
  columns: string[];
  /** File name inside the backup directory (JSON lines). */
  file: string;
  rows: number;
  bytes: number;
  /** sha256 of the file, which is also the sha256 of the rows in key order. */
  sha256: string;
}

/** A backup written, read back and verified; the migration guard trusts only these. */
@Entity('schema_backup')
export class SchemaBackup {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  phase!: number;

  @Column({ type: 'varchar', length: 1000 })
  location!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: 'verified';

  @Column({ type: 'simple-json' })
  items!: BackupItem[];

  @Column({ type: 'varchar', length: 200 })
  createdBy!: string;

  @Column({ type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  verifiedAt!: Date | null;
}
