import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@Entity('team')
export class Team {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) code!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
}

@Entity('team_member')
export class TeamMember {
  @PrimaryColumn({ type: 'integer' }) teamId!: number;
  @PrimaryColumn({ type: 'integer' }) accountId!: number;
}
