import type { PhaseJob } from '../../phases/phase-definition.js';
import type { DashboardRefreshService } from '../dashboard-refresh.service.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../dashboard.schema.js';

/**
 * Scheduled ticks refresh incrementally (the history views recompute only the periods new
 * events touch); a run on request rebuilds everything, which also repairs anything an
 * incremental refresh could have missed.
 */
export function refreshViewsJob(cron: string, refresh: DashboardRefreshService): PhaseJob {
  return {
    name: REFRESH_JOB,
    description: 'Refreshes the four dashboard analytics tables from token_event',
    cron,
    flag: DASHBOARD_FLAG,
    run: (ctx) => refresh.refresh({ full: ctx.manual, signal: ctx.signal }),
  };
}
