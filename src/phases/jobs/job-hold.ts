/**
 * APP_MODE=readonly is the total write stop: no phase job runs on such a replica, so nothing
 * writes job_run, job_lease or a phase's tables. The status shows the job as held by it.
 */
export const READ_ONLY_HOLD = 'read-only mode';
export type JobHold = typeof READ_ONLY_HOLD;
