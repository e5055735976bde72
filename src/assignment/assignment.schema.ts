import { phaseSchema } from '../phases/guard/migration-guard.js';

export const RUNTIME_FLAG = 'enable_assignment_runtime';
export const PREVIEW_FLAG = 'enable_assignment_preview';

/**
 * Everything Phase 7 adds to the schema, declared once for the phase definition and the
 * migration's guarded down(). Nothing is rebuildable: the log is the audit trail, and plan
 * priorities, availability and leave are what supervisors typed in.
 */
export const PHASE_7_SCHEMA = phaseSchema(
  7,
  [
    { name: 'assignment_log', rebuildable: false },
    { name: 'leave_request', rebuildable: false },
    { name: 'operator_availability', rebuildable: false },
    { name: 'team_availability', rebuildable: false },
  ],
  [
    { table: 'assignment_plan_node', column: 'priority', key: 'id', rebuildable: false },
    { table: 'assignment_plan_job', column: 'priority', key: 'id', rebuildable: false },
  ],
);
