import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { dialectOf, execute, fromDbTime, toDbTime } from '../database/dialect.js';
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
  /** Preferring one at the step's node; null when the job has none in production. */
  token: TokenState | null;
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
 * A ticket with its current step and its job's token in production (preferring one at the
 * step's node) with everything the core needs to move that token, in one statement: the one read
 * per scan (the rules come from a snapshot). `by` names the ticket by its reference or by its job's code.
 *
 * In a shadow run the current step comes from the ticket's latest shadow result when that
 * result was planned from the ticket row as it still is (same version, same current step
 * status): the progress OEM mode would have made. Any real change to the ticket (an OEM-mode
 * scan, a cancel) starts the shadow over from the stored state.
 */
function ticketRead(mode: PlanMode, by: 'ref' | 'job'): string {
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
  LEFT JOIN token k ON k.id = (
    SELECT o.id FROM token o WHERE o.job_id = t.job_id AND o.status IN ('${TokenStatus.Waiting}', '${TokenStatus.InProgress}')
    ORDER BY CASE WHEN o.current_node_id = s.node_id THEN 0 ELSE 1 END, o.id LIMIT 1
  )
  WHERE t.customer = ? AND ${by === 'job' ? 'j.code' : 't.external_ref'} = ?`;
}

const TICKET_READS: Record<PlanMode, Record<'ref' | 'job', string>> = {
  live: { ref: ticketRead('live', 'ref'), job: ticketRead('live', 'job') },
  shadow: { ref: ticketRead('shadow', 'ref'), job: ticketRead('shadow', 'job') },
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
    const rows =
      match.ref !== undefined
        ? await em.query<TicketRow[]>(TICKET_READS[mode].ref, [customer, match.ref])
        : await em.query<TicketRow[]>(TICKET_READS[mode].job, [customer, match.job]);
    const row = rows.at(0);
    return row ? toTicket(row) : null;
  }

  /**
   * Moves the step if it is still in the state planned from, and the ticket to `ticketTo`
   * if it is still at the version read, bumping that version. False when either missed.
   *
   * The ticket row is written by every scan, even one that leaves its status and current step
   * as they were: the guard against a cancel (or another scan) committed since the read must
   * be a write. A locking read would hold on one server, but a Galera node certifies a
   * transaction only against the rows it writes, so a cancel on another node would not stop a
   * scan that only read the ticket.
   *
   * On MySQL both rows change in one multi-table UPDATE: a round trip to the server is most
   * of a statement's cost there. SQLite has no multi-table UPDATE, and its statements cost no
   * round trip; a miss there fails the scan, whose transaction then undoes the other row.
   */
  async moveStep(
    em: EntityManager,
    move: StepMove,
    stationCode: string,
    at: Date,
    ticketTo: ReachedState,
  ): Promise<boolean> {
    const when = toDbTime(at);
    if (dialectOf(em) === 'mysql') {
      const changed = await execute(
        em,
        `UPDATE oem_job_ticket_step s JOIN oem_job_ticket t ON t.id = s.ticket_id
         SET s.status = ?, s.scanned_at = ?, s.station_code = ?,
           t.status = ?, t.current_sequence = ?, t.version = t.version + 1, t.updated_at = ?
         WHERE s.id = ? AND s.status = ? AND t.id = ? AND t.version = ?`,
        [
          move.to,
          when,
          stationCode,
          ticketTo.status,
          ticketTo.sequence,
          when,
          move.step.id,
          move.step.status,
          move.ticket.id,
          move.stored.version,
        ],
      );
      return changed === 2;
    }
    const ticketChanged = await execute(
      em,
      `UPDATE oem_job_ticket SET status = ?, current_sequence = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
      [ticketTo.status, ticketTo.sequence, when, move.ticket.id, move.stored.version],
    );
    if (ticketChanged !== 1) return false;
    const stepChanged = await execute(
      em,
      `UPDATE oem_job_ticket_step SET status = ?, scanned_at = ?, station_code = ? WHERE id = ? AND status = ?`,
      [move.to, when, stationCode, move.step.id, move.step.status],
    );
    return stepChanged === 1;
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
