import type { RetentionPolicy } from '../common/retention/retention-policy.js';
import { OemTicketStatus } from './entities/oem-job-ticket.entity.js';

/** Phase 8's growing table: the shadow run's comparisons (tickets and rules are work and configuration, kept). */
export const OEM_RETENTION: readonly RetentionPolicy[] = [
  {
    table: 'oem_shadow_result',
    key: 'id',
    age: 'recorded_at',
    defaultDays: 90,
    archive: true,
    // an open ticket's latest row is its shadow step progress
    only: [
      {
        kind: 'finishedParent',
        column: 'ticket_id',
        parent: 'oem_job_ticket',
        status: 'status',
        finished: [OemTicketStatus.Done, OemTicketStatus.Cancelled],
        changedAt: 'updated_at',
      },
    ],
    eligible: 'shadow comparisons of finished or cancelled tickets, or of no ticket',
  },
];
