import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An operator as the People system knows it, masked at ingest; `id` is People's id. */
@Entity('people_operator_cache')
export class PeopleOperator {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  /** The employee number: matches `account.code`. */
  @Column({ type: 'varchar', length: 50 }) employeeNo!: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) name!: string | null;
  @Column({ type: 'varchar', length: 320, nullable: true }) email!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) phone!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) nationalId!: string | null;
  @Column({ type: 'simple-json' }) teamIds!: string[];
  @Column({ type: 'simple-json' }) skills!: string[];
  @Column({ type: 'boolean' }) active!: boolean;
  @Column({ type: 'datetime', precision: 3 }) sourceUpdatedAt!: Date;
  @Column({ type: 'datetime', precision: 3, nullable: true }) fullSyncedAt!: Date | null;
  /** When the row was last fetched or confirmed unchanged by a successful sync. */
  @Column({ type: 'datetime', precision: 3 }) fetchedAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) expiresAt!: Date;
}
