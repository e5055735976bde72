import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ONE_ROW } from '../../database/dialect.js';
import { jobsStillRunning, storeJobStops, type SwitchChange } from '../rollback/emergency-statements.js';
import { JobControl } from './job-control.entity.js';
import { JobRun } from './job-run.entity.js';

export type NewRun = Pick<JobRun, 'jobName' | 'phase' | 'triggeredBy' | 'owner'>;

/**
 * job_run (every run's record) and job_control (stored stops). Stops are written with the
 * emergency statements, so the app and the lean emergency path stop jobs with the same SQL.
 */
@Injectable()
export class JobsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  control(name: string): Promise<JobControl | null> {
    return this.dataSource.getRepository(JobControl).findOneBy({ name });
  }

  /** Stores a stop for each job, in the caller's transaction. */
  storeStops(manager: EntityManager, names: readonly string[], change: SwitchChange): Promise<void> {
    return storeJobStops(manager, names, change);
  }

  async resume(name: string, change: SwitchChange, now: Date): Promise<void> {
    await this.dataSource
      .getRepository(JobControl)
      .save({ name, stopped: false, changedAt: now, changedBy: change.actor, reason: change.reason }, ONE_ROW);
  }

  /** Of `names`, the jobs whose lease a live holder keeps. */
  stillRunning(names: readonly string[]): Promise<string[]> {
    return jobsStillRunning(this.dataSource, names);
  }

  lastRun(name: string): Promise<JobRun | null> {
    return this.dataSource.getRepository(JobRun).findOne({ where: { jobName: name }, order: { id: 'DESC' } });
  }

  /** Newest first. */
  recentRuns(name: string, limit: number): Promise<JobRun[]> {
    return this.dataSource.getRepository(JobRun).find({ where: { jobName: name }, order: { id: 'DESC' }, take: limit });
  }

  /** Marks the job's runs still recorded as running failed, with `error` as the reason. */
  async failRunning(name: string, error: string, now: Date): Promise<void> {
    await this.dataSource
      .getRepository(JobRun)
      .update({ jobName: name, status: 'running' }, { status: 'failed', finishedAt: now, error });
  }

  startRun(run: NewRun, now: Date): Promise<JobRun> {
    const runs = this.dataSource.getRepository(JobRun);
    return runs.save(
      runs.create({ ...run, status: 'running', startedAt: now, finishedAt: null, counts: null, error: null }),
      ONE_ROW,
    );
  }

  /** Saves the run's outcome. */
  async saveRun(run: JobRun): Promise<void> {
    await this.dataSource.getRepository(JobRun).save(run, ONE_ROW);
  }
}
