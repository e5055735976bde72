import { phaseSchema } from '../phases/guard/migration-guard.js';
import { fillCandidateSetColumn } from './candidate-set-column.repository.js';

export const RUNTIME_FLAG = 'enable_assignment_runtime';
export const PREVIEW_FLAG = 'enable_assignment_preview';

/** What 1764000710000-Phase7-CompactDecisions adds: the candidate sets the log's rows reference. */
export const PHASE_7_COMPACT_SCHEMA = phaseSchema(7, [{ name: 'assignment_candidate_set', rebuildable: false }]);

/**
 * What 1764000720000-Phase7-CandidateSetColumn adds: each log row's set key as an indexed column,
 * derived from the row's own text (rebuildable). Its down() alone drops it; the phase's revert
 * drops it with assignment_log, which is why PHASE_7_SCHEMA lists the table, not the column,
 * and declares the column derived: its backups leave it out (a backup taken before the column
 * existed covers the same rows) and a restore fills it.
 */
export const PHASE_7_CANDIDATE_SET_SCHEMA = phaseSchema(
  7,
  [],
  [{ table: 'assignment_log', column: 'candidate_set', key: 'id', rebuildable: true }],
);

/**
 * Everything Phase 7 adds to the schema, declared once for the phase definition and the
 * migrations' guarded down(). Nothing is rebuildable: the log and its candidate sets are the audit trail, and plan
 * priorities, availability and leave are what supervisors typed in.
 */
export const PHASE_7_SCHEMA = phaseSchema(
  7,
  [
    {
      name: 'assignment_log',
      rebuildable: false,
      derived: { columns: ['candidate_set'], fill: fillCandidateSetColumn },
    },
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
