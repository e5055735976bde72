import { phaseSchema } from '../phases/guard/migration-guard.js';

export const PEOPLE_FLAG = 'enable_people_integration_readonly';

/**
 * The caches are copies of the People system and are rebuilt by the next sync; the masking
 * policy (an operator's decision) and the error log (an audit trail) are not.
 */
export const PHASE_9_SCHEMA = phaseSchema(9, [
  { name: 'people_operator_cache', rebuildable: true },
  { name: 'people_team_cache', rebuildable: true },
  { name: 'people_availability_cache', rebuildable: true },
  { name: 'people_masking_policy', rebuildable: false },
  { name: 'people_sync_error_log', rebuildable: false },
]);
