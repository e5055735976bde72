import type { RetentionPolicy } from '../../common/retention/retention-policy.js';

/** job_run: every run of every job, the retention job's own included. */
export const JOB_RUN_RETENTION: RetentionPolicy = {
  table: 'job_run',
  key: 'id',
  age: 'started_at',
  defaultDays: 90,
  // a run's counts are in /metrics and the logs already
  archive: false,
  only: [{ kind: 'statusNot', column: 'status', values: ['running'] }],
  eligible: 'finished runs (succeeded or failed)',
};
