import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  dialectOf,
  forceIndex,
  fromDbTime,
  toDbTime,
  updateGuardedRows,
  type Dialect,
  type GuardedRow,
} from '../database/dialect.js';
import type { JobStatus } from '../production/entities/job-ticket.entity.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { TokenState } from '../production/token-store.js';
import { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';
import type { PlanMode, ReachedState, StepMove } from './oem-scan.types.js';
import type { BarcodeMatch } from './safe-pattern.js';

/** The node a step is mapped to: a step names a node by code, and the ticket's creation stored its id beside it. */
export type StepNode = { nodeCode: string; nodeId: number } | { nodeCode: null; nodeId: null };

/** A ticket as a scan plans from it: its current step, and its job's token in production with all the core needs to move it. */
export interface ScanTicket {
  id: number;
  customer: string;
  externalRef: string;
  jobId: number | null;
  /** In a shadow run: what OEM mode would have made of it (see ticketRead). */
  status: OemTicketStatus;
  currentSequence: number | null;
  stepCount: number;
  /** The ticket row as stored (its version and its current step's status). */
  stored: { version: number; stepStatus: OemStepStatus | null };
  /** null when there is no current step. */
  step: ({ id: number; name: string; status: OemStepStatus } & StepNode) | null;
  /** An open token of the job at the current step's node (the first by id); null when none is there. */
  token: TokenState | null;
  /** When no open token is at the step's node: the job's first open token elsewhere, null when it has none in production. */
  tokenElsewhere: number | null;
}

interface TicketColumns {
  id: number;
  customer: string;
  external_ref: string;
  status: OemTicketStatus;
  current_sequence: number | null;
  step_count: number;
  stored_version: number;
  stored_step_status: OemStepStatus | null;
}

interface StepColumns {
  step_id: number;
  step_name: string;
  step_status: OemStepStatus;
}

interface StepNodeColumns {
  node_code: string;
  node_id: number;
}

interface TokenColumns {
  token_id: number;
  token_serial: string;
  token_node_id: number;
  token_status: TokenStatus;
  token_version: number;
  assigned_account_id: number | null;
  assigned_team_id: number | null;
}

interface JobColumns {
  job_id: number;
  job_code: string;
  graph_id: number;
  product_code: string;
  quantity: number;
  priority: number;
  job_status: JobStatus;
  due_at: string | Date | null;
}

type Nulls<T> = { [K in keyof T]: null };

/**
 * What ticketRead returns: each LEFT JOIN fills all its columns or none; a ticket's job_id
 * (a foreign key) finds its job, and a token found for the job means the job was found too.
 */
type TicketRow = TicketColumns &
  ((StepColumns & (StepNodeColumns | Nulls<StepNodeColumns>)) | Nulls<StepColumns & StepNodeColumns>) &
  ((TokenColumns & JobColumns) | (Nulls<TokenColumns> & (JobColumns | Nulls<JobColumns>)));

/**
 * A ticket with its current step and an open token of its job at that step's node, with
 * everything the core needs to move that token, in one statement: the one read per scan (the
 * rules come from a snapshot). `by` names the ticket by its reference or by its job's code.
 * The token is read through the job's index, which lists a job's tokens by id, so of several
 * at the node the first is the lowest id; an ORDER BY made MariaDB sort through a temporary
 * table. A token elsewhere only shapes a refusal, which reads it then (firstOpenToken).
 *
 * In a shadow run the current step comes from the ticket's latest shadow result when that
 * result was planned from the ticket row as it still is (same version, same current step
 * status): the progress OEM mode would have made. Any real change to the ticket (an OEM-mode
 * scan, a cancel) starts the shadow over from the stored state.
 */
function ticketRead(dialect: Dialect, mode: PlanMode, by: 'ref' | 'job'): string {
  const shadow = mode === 'shadow';
  const effective = (column: string, reached: string) =>
    shadow ? `CASE WHEN h.id IS NULL THEN ${column} ELSE ${reached} END` : column;
  const sequence = effective('t.current_sequence', 'h.reached_sequence');
  return `SELECT t.id, t.customer, t.external_ref, t.job_id, t.step_count, ${effective('t.status', 'h.reached_status')} AS status, ${sequence} AS current_sequence,
    t.version AS stored_version, ${shadow ? 'r' : 's'}.status AS stored_step_status,
    s.id AS step_id, s.name AS step_name, ${effective('s.status', 'h.reached_step_status')} AS step_status, s.node_code, s.node_id,
    k.id AS token_id, k.serial AS token_serial, k.current_node_id AS token_node_id, k.status AS token_status, k.version AS token_version,
    k.assigned_account_id, k.assigned_team_id,
    j.code AS job_code, j.graph_id, j.product_code, j.quantity, j.priority, j.status AS job_status, j.due_at
  FROM oem_job_ticket t
  ${
    shadow
      ? `LEFT JOIN oem_job_ticket_step r ON r.ticket_id = t.id AND r.sequence = t.current_sequence
  LEFT JOIN oem_shadow_result h ON h.id = (SELECT MAX(x.id) FROM oem_shadow_result x WHERE x.ticket_id = t.id) AND h.base_version = t.version AND h.base_step_status = r.status`
      : ''
  }
  LEFT JOIN oem_job_ticket_step s ON s.ticket_id = t.id AND s.sequence = ${sequence}
  ${by === 'job' ? 'JOIN' : 'LEFT JOIN'} job_ticket j ON j.id = t.job_id
  LEFT JOIN token k ${forceIndex(dialect, 'idx_token_job')} ON k.job_id = t.job_id AND k.current_node_id = s.node_id AND k.status IN (${OPEN_TOKEN})
  WHERE t.customer = ? AND ${by === 'job' ? 'j.code' : 't.external_ref'} = ?
  LIMIT 1`;
}

const OPEN_TOKEN = `'${TokenStatus.Waiting}', '${TokenStatus.InProgress}'`;
const readsOf = (dialect: Dialect): Record<PlanMode, Record<'ref' | 'job', string>> => ({
  live: { ref: ticketRead(dialect, 'live', 'ref'), job: ticketRead(dialect, 'live', 'job') },
  shadow: { ref: ticketRead(dialect, 'shadow', 'ref'), job: ticketRead(dialect, 'shadow', 'job') },
});
const TICKET_READS: Record<Dialect, ReturnType<typeof readsOf>> = {
  sqlite: readsOf('sqlite'),
  mysql: readsOf('mysql'),
};

/** The scan path's reads and writes of OEM tickets, inside the scan's transaction. */
@Injectable()
export class OemScanRepository {
  async findTicket(
    em: EntityManager,
    mode: PlanMode,
    customer: string,
    match: BarcodeMatch,
  ): Promise<ScanTicket | null> {
    const by = match.ref !== undefined ? 'ref' : 'job';
    const rows = await em.query<TicketRow[]>(TICKET_READS[dialectOf(em)][mode][by], [customer, match[by]]);
    const row = rows.at(0);
    if (!row) return null;
    const ticket = toTicket(row);
    if (ticket.token === null && ticket.jobId !== null && ticket.step?.nodeId != null)
      ticket.tokenElsewhere = await this.firstOpenToken(em, ticket.jobId);
    return ticket;
  }

  /** The id of the job's first open token, wherever it is; null when the job has none in production. */
  private async firstOpenToken(em: EntityManager, jobId: number): Promise<number | null> {
    const rows = await em.query<Array<{ id: number }>>(
      `SELECT id FROM token ${forceIndex(dialectOf(em), 'idx_token_job')} WHERE job_id = ? AND status IN (${OPEN_TOKEN}) ORDER BY id LIMIT 1`,
      [jobId],
    );
    return rows.at(0)?.id ?? null;
  }

  /**
   * The step and the ticket rows as a scan changes them: the step if it is still in the state
   * planned from, the ticket to `ticketTo` if it is still at the version read, bumping that
   * version. The scan writes them with its token's move, or alone through moveStep.
   *
   * The ticket row is written by every scan, even one that leaves its status and current step
   * as they were: the guard against a cancel (or another scan) committed since the read must
   * be a write. A locking read would hold on one server, but a Galera node certifies a
   * transaction only against the rows it writes, so a cancel on another node would not stop a
   * scan that only read the ticket.
   */
  stepChange(move: StepMove, stationCode: string, at: Date, ticketTo: ReachedState): GuardedRow[] {
    const when = toDbTime(at);
    return [
      {
        table: 'oem_job_ticket',
        set: {
          status: ticketTo.status,
          current_sequence: ticketTo.sequence,
          version: move.stored.version + 1,
          updated_at: when,
        },
        where: { id: move.ticket.id, version: move.stored.version },
      },
      {
        table: 'oem_job_ticket_step',
        set: { status: move.to, scanned_at: when, station_code: stationCode },
        where: { id: move.step.id, status: move.step.status },
      },
    ];
  }

  /** A step change (stepChange) when no token moves with it; false when a row missed its guard. */
  moveStep(em: EntityManager, change: readonly GuardedRow[]): Promise<boolean> {
    return updateGuardedRows(em, change);
  }
}

function toTicket(t: TicketRow): ScanTicket {
  return {
    id: t.id,
    customer: t.customer,
    externalRef: t.external_ref,
    jobId: t.job_id,
    status: t.status,
    currentSequence: t.current_sequence,
    stepCount: t.step_count,
    stored: { version: t.stored_version, stepStatus: t.stored_step_status },
    step:
      t.step_id === null
        ? null
        : {
            id: t.step_id,
            name: t.step_name,
            status: t.step_status,
            ...(t.node_id === null ? { nodeCode: null, nodeId: null } : { nodeCode: t.node_code, nodeId: t.node_id }),
          },
    token: t.token_id === null ? null : tokenState(t),
    tokenElsewhere: null,
  };
}

/** The token and its job as the core's TokenStore reads them, from the columns read with the ticket. */
function tokenState(t: TokenColumns & JobColumns): TokenState {
  return {
    token: {
      id: t.token_id,
      serial: t.token_serial,
      jobId: t.job_id,
      currentNodeId: t.token_node_id,
      status: t.token_status,
      assignedAccountId: t.assigned_account_id,
      assignedTeamId: t.assigned_team_id,
      version: t.token_version,
    },
    job: {
      id: t.job_id,
      code: t.job_code,
      graphId: t.graph_id,
      productCode: t.product_code,
      quantity: t.quantity,
      priority: t.priority,
      status: t.job_status,
      dueAt: fromDbTime(t.due_at),
    },
  };
}
