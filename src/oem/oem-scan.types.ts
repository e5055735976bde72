import type { TokenState } from '../production/token-store.js';
import type { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';

// The shapes an OEM scan plan is made of, shared by the planner that decides it and the
// repository that writes it.

/** What a move does to its token at the step's node. */
export type TokenOp = 'start' | 'complete';

/** Whose step progress a plan reads: the tickets' own, or a shadow run's copy of what OEM mode would have made of it. */
export type PlanMode = 'live' | 'shadow';

export interface StepMove {
  ruleId: number;
  ticket: { id: number; customer: string; externalRef: string; status: OemTicketStatus; stepCount: number };
  step: { id: number; sequence: number; name: string; status: OemStepStatus; nodeCode: string | null };
  to: OemStepStatus;
  /** The ticket row as stored when planned (its version and its current step's status); a shadow run's progress is kept relative to it. */
  stored: { version: number; stepStatus: OemStepStatus | null };
  /** The linked token (as read with the ticket) and what happens to it at the step's node; null when no token moves. */
  token: { id: number; nodeCode: string; ops: TokenOp[]; state: TokenState } | null;
}

/** Where a ticket stands once a move is applied. */
export interface ReachedState {
  status: OemTicketStatus;
  /** The current step; null once every step is done or skipped. */
  sequence: number | null;
  stepStatus: OemStepStatus | null;
}
