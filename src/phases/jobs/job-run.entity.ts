import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type JobRunStatus = 'running' | 'succeeded' | 'failed';

@Entity('job_run')
export class JobRun {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  jobName!: string;

  @Column({ type: 'integer' })
  phase!: number;

  @Column({ type: 'varchar', length: 16 })
  triggeredBy!: 'schedule' | 'manual';

  @Column({ type: 'varchar', length: 200 })
  owner!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: JobRunStatus;

  @Column({ type: 'datetime', precision: 3 })
  startedAt!: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'simple-json', nullable: true })
  counts!: Record<string, number> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
