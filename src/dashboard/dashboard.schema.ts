import { phaseSchema } from '../phases/guard/migration-guard.js';

export const DASHBOARD_FLAG = 'enable_production_dashboard';
export const REFRESH_JOB = 'refresh-dashboard-materialized-views';

/** The four analytics tables, named as the runbook names them. */
export const VIEWS = [
  'mv_token_flow_summary',
  'mv_node_bottlenecks',
  'mv_team_workload',
  'mv_cycle_time_analytics',
] as const;
export type ViewName = (typeof VIEWS)[number];

/**
 * Everything here is derived from token_event and the core tables, so all of it is
 * rebuildable: a rollback may drop it without a backup and one refresh brings it back.
 * `mv_refresh_state` holds, per view, the generation readers see and the refresh bookkeeping.
 */
export const PHASE_10_SCHEMA = phaseSchema(10, [
  ...VIEWS.map((name) => ({ name, rebuildable: true })),
  { name: 'mv_refresh_state', rebuildable: true },
]);
