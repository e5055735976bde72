import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Dialect } from '../../database/dialect.js';

/** A full-database backup whose file was read back and matched its sha256; only these are trusted. */
@Entity('full_backup')
export class FullBackupRecord {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The backup file (absolute path); its manifest lies beside it. */
  @Column({ type: 'varchar', length: 1000 })
  location!: string;

  @Column({ type: 'varchar', length: 16 })
  dialect!: Dialect;

  // mysql2 reads BIGINT as a string
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  bytes!: number;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  reason!: string | null;

  @Column({ type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'datetime', precision: 3 })
  verifiedAt!: Date;
}
