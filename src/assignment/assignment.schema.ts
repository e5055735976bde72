import { phaseSchema } from '../phases/guard/migration-guard.js';

export const RUNTIME_FLAG = 'enable_assignment_runtime';
export const PREVIEW_FLAG = 'enable_assignment_preview';

/** What 1764000710000-Phase7-CompactDecisions adds: the candidate sets the log's rows reference. */
export const PHASE_7_COMPACT_SCHEMA = phaseSchema(7, [{ name: 'assignment_candidate_set', rebuildable: false }]);

/**
 * Everything Phase 7 adds to the schema, declared once for the phase definition and the
 * migrations' guarded down(). Nothing is rebuildable: the log and its candidate sets are the audit trail, and plan
 * priorities, availability and leave are what supervisors typed in.
 */
export const PHASE_7_SCHEMA = phaseSchema(
  7,
  [
    { name: 'assignment_log', rebuildable: false },
    { name: 'leave_request', rebuildable: false },
    { name: 'operator_availability', rebuildable: false },
    { name: 'team_availability', rebuildable: false },
    ...PHASE_7_COMPACT_SCHEMA.tables,
  ],
  [
    { table: 'assignment_plan_node', column: 'priority', key: 'id', rebuildable: false },
    { table: 'assignment_plan_job', column: 'priority', key: 'id', rebuildable: false },
  ],
);
