import type { JobStatus } from './entities/job-ticket.entity.js';
import type { NodeKind } from './entities/production-graph.entity.js';
import type { TokenStatus } from './entities/token.entity.js';

/** What the core knows about a token while moving it (read in the move's transaction). */
export interface TokenRef {
  id: number;
  serial: string;
  jobId: number;
  currentNodeId: number;
  status: TokenStatus;
  assignedAccountId: number | null;
  assignedTeamId: number | null;
  version: number;
}

export interface NodeRef {
  id: number;
  graphId: number;
  code: string;
  name: string;
  kind: NodeKind;
  stationCode: string | null;
}

export interface JobRef {
  id: number;
  code: string;
  graphId: number;
  productCode: string;
  quantity: number;
  priority: number;
  status: JobStatus;
  dueAt: Date | null;
}

/** Who a token is assigned to at a node; both null means unassigned. */
export interface Assignment {
  accountId: number | null;
  teamId: number | null;
}

export const UNASSIGNED: Assignment = { accountId: null, teamId: null };
