import type { RetentionPolicy } from '../../common/retention/retention-policy.js';

/** Enough for the rollout guard's 30-day windows, with a margin. */
const DAYS = 35;

/**
 * The per-minute telemetry buckets. Rows go by `minute`, which is not unique: a delete takes
 * every row of the minutes it names, so a read batch that ends inside a minute loses nothing.
 */
export const TELEMETRY_RETENTION: readonly RetentionPolicy[] = ['path_telemetry', 'phase_signal'].map((table) => ({
  table,
  key: 'minute',
  age: 'minute_start',
  defaultDays: DAYS,
  // sums of counts: nothing in them that an archive would have to keep
  archive: false,
  only: [],
  eligible: 'minute buckets older than the cutoff',
}));
