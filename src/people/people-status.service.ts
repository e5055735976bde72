import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FlagsService } from '../phases/flags/flags.service.js';
import { JobRun } from '../phases/jobs/job-run.entity.js';
import { JobsService } from '../phases/jobs/jobs.service.js';
import type { SyncJobStatusDto, SyncStatusDto } from './dto/people.dto.js';
import type { CacheTable } from './people-cache.repository.js';
import { PeopleCacheService } from './people-cache.service.js';
import { PEOPLE_JOBS, PeopleSyncService } from './people-sync.service.js';
import { PEOPLE_FLAG } from './people.schema.js';

const TABLE_OF: Record<string, CacheTable> = {
  [PEOPLE_JOBS.operators]: 'people_operator_cache',
  [PEOPLE_JOBS.teams]: 'people_team_cache',
  [PEOPLE_JOBS.availability]: 'people_availability_cache',
};

/** Per sync job: the framework's view (running, stopped, last run) with the cache it feeds. */
@Injectable()
export class PeopleStatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobsService,
    private readonly flags: FlagsService,
    private readonly cache: PeopleCacheService,
    private readonly sync: PeopleSyncService,
  ) {}

  async status(): Promise<SyncStatusDto> {
    const jobs = await Promise.all(Object.values(PEOPLE_JOBS).map((name) => this.job(name)));
    return { flag: PEOPLE_FLAG, flagEnabled: this.flags.isEnabled(PEOPLE_FLAG), jobs };
  }

  private async job(name: string): Promise<SyncJobStatusDto> {
    const [job, cache, lastSuccess] = await Promise.all([
      this.jobs.status(name),
      this.cache.state(TABLE_OF[name]),
      this.dataSource
        .getRepository(JobRun)
        .findOne({ where: { jobName: name, status: 'succeeded' }, order: { id: 'DESC' } }),
    ]);
    const plan = name === PEOPLE_JOBS.operators ? await this.sync.operatorPlan() : null;
    return {
      job: name,
      description: job.description,
      cron: job.cron,
      running: job.running,
      stopped: job.stopped,
      nextRun: job.nextRun,
      lastRun: job.lastRun,
      lastSuccessAt: lastSuccess?.finishedAt ?? null,
      watermark: plan?.watermark ?? null,
      nextRunFull: plan?.full ?? null,
      cache,
    };
  }
}
