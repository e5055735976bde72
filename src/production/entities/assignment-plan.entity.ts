import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The manual plan: who works at a node. Exactly one of accountId and teamId is set. */
@Entity('assignment_plan_node')
export class AssignmentPlanNode {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) nodeId!: number;
  @Column({ type: 'integer', nullable: true }) accountId!: number | null;
  @Column({ type: 'integer', nullable: true }) teamId!: number | null;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
}

/** A job-specific override of the node plan. */
@Entity('assignment_plan_job')
export class AssignmentPlanJob {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) jobId!: number;
  @Column({ type: 'integer' }) nodeId!: number;
  @Column({ type: 'integer', nullable: true }) accountId!: number | null;
  @Column({ type: 'integer', nullable: true }) teamId!: number | null;
  @Column({ type: 'datetime', precision: 3 }) createdAt!: Date;
}
