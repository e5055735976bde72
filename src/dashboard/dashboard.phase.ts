import { ConfigService } from '@nestjs/config';
import { Phase10Dashboard1764001000000 } from '../../migrations/1764001000000-Phase10-Dashboard.js';
import { Phase10DashboardPartitions1764001010000 } from '../../migrations/1764001010000-Phase10-DashboardPartitions.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { Environment } from '../config/environment.js';
import { JobsService } from '../phases/jobs/jobs.service.js';
import {
  Phase,
  type InFlightWork,
  type LegacyCheck,
  type PhaseDefinition,
  type PhaseJob,
} from '../phases/phase-definition.js';
import { DashboardQueryService } from './dashboard-query.service.js';
import { DashboardRefreshService } from './dashboard-refresh.service.js';
import { DASHBOARD_FLAG, PHASE_10_SCHEMA, REFRESH_JOB } from './dashboard.schema.js';
import { refreshViewsJob } from './jobs/refresh-views.job.js';

@Phase({ migrations: [Phase10Dashboard1764001000000, Phase10DashboardPartitions1764001010000] })
export class DashboardPhase implements PhaseDefinition {
  readonly number = 10;
  readonly key = 'dashboard';
  readonly title = 'Production dashboard on refreshed analytics tables';
  readonly flags = [
    {
      key: DASHBOARD_FLAG,
      description:
        'Serve the production dashboard from the analytics tables and refresh them on schedule; off, every dashboard read answers 503 "Data unavailable"',
    },
  ];
  readonly jobs: readonly PhaseJob[];
  readonly tables = PHASE_10_SCHEMA.tables;
  readonly columns = PHASE_10_SCHEMA.columns;
  readonly dataLossRisk = 'none' as const;
  readonly legacyFallback =
    '"Data unavailable": every dashboard endpoint answers 503 DATA_UNAVAILABLE; the analytics tables stay until the schema is reverted, and one refresh rebuilds them';

  constructor(
    refresh: DashboardRefreshService,
    private readonly reader: DashboardQueryService,
    private readonly runner: JobsService,
    config: ConfigService<Environment, true>,
  ) {
    this.jobs = [refreshViewsJob(config.get('DASHBOARD_REFRESH_CRON', { infer: true }), refresh)];
  }

  async inFlight(): Promise<InFlightWork> {
    const running = await this.runner.isRunning(REFRESH_JOB);
    return {
      count: running ? 1 : 0,
      description: running ? 'a dashboard refresh is running' : 'no dashboard refresh running',
    };
  }

  async verifyLegacy(): Promise<LegacyCheck> {
    try {
      await this.reader.bottlenecks();
      return { ok: false, detail: 'the dashboard still serves data: its flag is on' };
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.DataUnavailable)
        return { ok: true, detail: 'dashboard reads answer 503 "Data unavailable"' };
      throw error;
    }
  }
}
