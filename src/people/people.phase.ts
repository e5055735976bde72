import { ConfigService } from '@nestjs/config';
import { Phase9People1764000900000 } from '../../migrations/1764000900000-Phase9-People.js';
import { Environment } from '../config/environment.js';
import { JobsService } from '../phases/jobs/jobs.service.js';
import {
  Phase,
  type InFlightWork,
  type LegacyCheck,
  type PhaseDefinition,
  type PhaseJob,
} from '../phases/phase-definition.js';
import { peopleSyncJobs } from './jobs/people-sync.jobs.js';
import { PeopleDirectoryRepository } from './people-directory.repository.js';
import { PeopleSyncService } from './people-sync.service.js';
import { PEOPLE_FLAG, PHASE_9_SCHEMA } from './people.schema.js';
import { PEOPLE_RETENTION } from './people.retention.js';

/** Phase 9: read-only People-system sync into masked, expiring caches. */
@Phase({ migrations: [Phase9People1764000900000] })
export class PeoplePhase implements PhaseDefinition {
  readonly number = 9;
  readonly key = 'people';
  readonly title = 'People (read-only HR sync)';
  /** Its People directory answers Phase 7's questions (OPERATOR_DIRECTORY). */
  readonly requires = [7];
  readonly flags = [
    {
      key: PEOPLE_FLAG,
      description:
        'Sync operators, teams and availability from the People API (masked at ingest) and let assignment read them from the caches while fresh',
    },
  ];
  readonly jobs: readonly PhaseJob[];
  readonly tables = PHASE_9_SCHEMA.tables;
  readonly retention = PEOPLE_RETENTION;
  readonly columns = PHASE_9_SCHEMA.columns;
  readonly dataLossRisk = 'low' as const;
  readonly legacyFallback = 'local account table (operators and teams from account, team and team_member)';

  constructor(
    private readonly directory: PeopleDirectoryRepository,
    private readonly jobsService: JobsService,
    sync: PeopleSyncService,
    config: ConfigService<Environment, true>,
  ) {
    this.jobs = peopleSyncJobs(sync, {
      PEOPLE_SYNC_OPERATORS_CRON: config.get('PEOPLE_SYNC_OPERATORS_CRON', { infer: true }),
      PEOPLE_SYNC_TEAMS_CRON: config.get('PEOPLE_SYNC_TEAMS_CRON', { infer: true }),
      PEOPLE_SYNC_AVAILABILITY_CRON: config.get('PEOPLE_SYNC_AVAILABILITY_CRON', { infer: true }),
    });
  }

  async inFlight(): Promise<InFlightWork> {
    const running = [];
    for (const job of this.jobs) if (await this.jobsService.isRunning(job.name)) running.push(job.name);
    return {
      count: running.length,
      description: running.length ? `sync running: ${running.join(', ')}` : 'no sync running',
    };
  }

  async verifyLegacy(): Promise<LegacyCheck> {
    const accounts = await this.directory.localAccountCounts();
    return {
      ok: true,
      detail: `local account table readable: ${accounts.total} operators (${accounts.active} active)`,
    };
  }
}
