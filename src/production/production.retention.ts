import type { RetentionPolicy } from '../common/retention/retention-policy.js';
import { TokenStatus } from './entities/token.entity.js';

/** Rows of a token's history: eligible once the token finished (done or scrapped) before the cutoff. */
export const FINISHED_TOKEN = {
  kind: 'finishedParent',
  column: 'token_id',
  parent: 'token',
  status: 'status',
  finished: [TokenStatus.Done, TokenStatus.Scrapped],
  changedAt: 'updated_at',
} as const;

/** The core's growing tables: token history and scans. */
export const PRODUCTION_RETENTION: readonly RetentionPolicy[] = [
  {
    table: 'token_event',
    key: 'id',
    age: 'occurred_at',
    defaultDays: null,
    offBecause:
      "a piece's traceability (who did what, where, when): product liability and customers' audits may ask for it years later",
    archive: true,
    only: [FINISHED_TOKEN],
    eligible: 'the whole history of tokens finished (done or scrapped) before the cutoff',
  },
  {
    table: 'scan_record',
    key: 'id',
    age: 'scanned_at',
    defaultDays: 90,
    archive: true,
    only: [FINISHED_TOKEN],
    eligible: 'scans of tokens finished before the cutoff, or of no token',
  },
];
