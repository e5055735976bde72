import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A local operator: the fallback source of people when the People integration is off. */
@Entity('account')
export class Account {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) code!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'simple-json' }) skills!: string[];
  @Column({ type: 'boolean', default: true }) active!: boolean;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
  /** Bumped by a transaction that checks an invariant over the operator's other rows (see the RowGuards migration). */
  @Column({ type: 'integer', default: 0, select: false }) lockVersion!: number;
}
