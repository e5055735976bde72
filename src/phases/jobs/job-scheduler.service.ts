import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Environment } from '../../config/environment.js';
import { JobsService } from './jobs.service.js';
import { scheduledTick } from './tick.js';

/**
 * Puts every phase job on @nestjs/schedule. Handlers stay thin: the tick decides whether to
 * run (flag, stop, lease) and the phase's own service does the work.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobScheduler.name);

  constructor(
    private readonly jobs: JobsService,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.get('JOBS_ENABLED', { infer: true })) {
      this.logger.log('JOBS_ENABLED=false: this replica schedules no phase jobs');
      return;
    }
    for (const job of this.jobs.scheduled()) {
      const cron = CronJob.from({
        cronTime: job.cron,
        start: true,
        onTick: async () => {
          try {
            await this.jobs.tick(job.name, scheduledTick(job.cron));
          } catch (error) {
            this.logger.error({ msg: 'job tick failed', job: job.name, error: String(error) });
          }
        },
      });
      this.scheduler.addCronJob(job.name, cron);
    }
  }
}
