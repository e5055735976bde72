import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('people_team_cache')
export class PeopleTeam {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  /** Matches `team.code`. */
  @Column({ type: 'varchar', length: 50 }) code!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'boolean' }) active!: boolean;
  @Column({ type: 'datetime', precision: 3 }) fetchedAt!: Date;
  @Column({ type: 'datetime', precision: 3 }) expiresAt!: Date;
}
