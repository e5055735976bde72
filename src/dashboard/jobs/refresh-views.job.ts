import type { PhaseJob } from '../../phases/phase-definition.js';
import type { DashboardRefreshService } from '../dashboard-refresh.service.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../dashboard.schema.js';

/**
 * Scheduled ticks refresh incrementally (the history views recompute only the periods new
 * events touch), except the first after each DASHBOARD_SELF_CHECK_CRON time, which self-checks.
 * A run on request self-checks too: it rebuilds everything, which repairs anything an
 * incremental refresh could have missed, and reports whether one did.
 */
export function refreshViewsJob(cron: string, refresh: DashboardRefreshService): PhaseJob {
  return {
    name: REFRESH_JOB,
    description: 'Refreshes the four dashboard analytics tables from token_event',
    cron,
    flag: DASHBOARD_FLAG,
    run: async (ctx) =>
      ctx.manual || (await refresh.selfCheckDue())
        ? refresh.selfCheck(ctx.signal)
        : refresh.refresh({ full: false, signal: ctx.signal }),
  };
}
