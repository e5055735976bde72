import type { RetentionPolicy } from '../common/retention/retention-policy.js';

/** Phase 9's growing table: rejected records and failed runs of the People sync. */
export const PEOPLE_RETENTION: readonly RetentionPolicy[] = [
  {
    table: 'people_sync_error_log',
    key: 'id',
    age: 'occurred_at',
    // it names People's record ids: kept no longer than it helps to fix the feed
    defaultDays: 30,
    archive: false,
    only: [],
    eligible: 'every error older than the retention',
  },
];
