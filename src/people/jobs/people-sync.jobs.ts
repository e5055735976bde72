import type { Environment } from '../../config/environment.js';
import type { PhaseJob } from '../../phases/phase-definition.js';
import { PEOPLE_JOBS, type PeopleSyncService } from '../people-sync.service.js';
import { PEOPLE_FLAG } from '../people.schema.js';

type Schedules = Pick<
  Environment,
  'PEOPLE_SYNC_OPERATORS_CRON' | 'PEOPLE_SYNC_TEAMS_CRON' | 'PEOPLE_SYNC_AVAILABILITY_CRON'
>;

/** The three scheduled syncs: thin handlers; the framework gates, leases and records each run. */
export function peopleSyncJobs(sync: PeopleSyncService, schedules: Schedules): PhaseJob[] {
  return [
    {
      name: PEOPLE_JOBS.operators,
      description:
        'Operators from the People API into people_operator_cache: incremental from the watermark, periodically full (deactivates operators gone upstream)',
      cron: schedules.PEOPLE_SYNC_OPERATORS_CRON,
      flag: PEOPLE_FLAG,
      run: (ctx) => sync.syncOperators(ctx),
    },
    {
      name: PEOPLE_JOBS.teams,
      description: 'Teams from the People API into people_team_cache (full every run)',
      cron: schedules.PEOPLE_SYNC_TEAMS_CRON,
      flag: PEOPLE_FLAG,
      run: (ctx) => sync.syncTeams(ctx),
    },
    {
      name: PEOPLE_JOBS.availability,
      description:
        'Shifts and leave from yesterday on into people_availability_cache (the window is replaced every run)',
      cron: schedules.PEOPLE_SYNC_AVAILABILITY_CRON,
      flag: PEOPLE_FLAG,
      run: (ctx) => sync.syncAvailability(ctx),
    },
  ];
}
