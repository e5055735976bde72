import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Role } from './role.js';

@Entity('api_key')
export class ApiKey {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** sha256 of the key: keys are 256 random bits, so a fast hash is enough and allows lookup. */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  keyHash!: string;

  /** The first characters of the key, to recognise it in listings. */
  @Column({ type: 'varchar', length: 12 })
  keyPrefix!: string;

  @Column({ type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
