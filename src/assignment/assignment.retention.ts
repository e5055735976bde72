import type { RetentionPolicy } from '../common/retention/retention-policy.js';
import { FINISHED_TOKEN } from '../production/production.retention.js';

/** Phase 7's growing tables: the decision audit trail and the candidate sets its rows share. */
export const ASSIGNMENT_RETENTION: readonly RetentionPolicy[] = [
  {
    table: 'assignment_log',
    key: 'id',
    age: 'decided_at',
    defaultDays: null,
    offBecause:
      'the audit trail of who was given which work: labour agreements and disputes may need it whole, so the factory decides how long',
    archive: true,
    only: [FINISHED_TOKEN],
    eligible: 'decisions about tokens finished (done or scrapped) before the cutoff',
  },
  {
    table: 'assignment_candidate_set',
    key: 'hash',
    defaultDays: 0,
    archive: true,
    only: [{ kind: 'unreferenced', by: { table: 'assignment_log', column: 'candidate_set' } }],
    eligible: 'candidate sets no kept assignment_log row references',
  },
];
