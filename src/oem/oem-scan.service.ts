import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { Environment } from '../config/environment.js';
import { execute, fromDbTime, toDbTime } from '../database/dialect.js';
import { AccountsService } from '../production/accounts.service.js';
import type { MovedToken } from '../production/dag-routing.service.js';
import type { JobStatus } from '../production/entities/job-ticket.entity.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { ScanInput, ScanResult } from '../production/scan.types.js';
import { TokenLifecycleService } from '../production/token-lifecycle.service.js';
import type { TokenState } from '../production/token-store.js';
import { OemRuleAction } from './entities/oem-scan-rule.entity.js';
import { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';
import { OemRulesService, type ActiveRule } from './oem-rules.service.js';
import { compiledPattern, type BarcodeMatch } from './safe-pattern.js';

export type TokenOp = 'start' | 'complete';

/** Whose step progress a plan reads: the tickets' own, or a shadow run's copy of what OEM mode would have made of it. */
export type PlanMode = 'live' | 'shadow';

/** What OEM mode does with a scan, decided from the current state without changing it. */
export type OemPlan =
  /** No rule takes the barcode and it does not look like an OEM barcode: the manual path runs. */
  | { kind: 'not_oem' }
  /** Answered with `error`; `remember` keeps the scan (and its answer) in the scan record. */
  | { kind: 'refused'; error: DomainError; remember: boolean }
  | { kind: 'apply'; move: StepMove };

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

/**
 * What the scan path answers: a result (null: manual path), a refusal the client must see, or
 * a failure after OEM writes began, which fails the whole scan instead of falling back.
 */
export type OemAnswer = { result: ScanResult | null } | { refusal: DomainError } | { failure: unknown };

interface TicketRow {
  id: number;
  customer: string;
  external_ref: string;
  job_id: number | null;
  status: OemTicketStatus;
  current_sequence: number | null;
  step_count: number;
  stored_version: number;
  stored_step_status: OemStepStatus | null;
  step_id: number | null;
  step_name: string | null;
  step_status: OemStepStatus | null;
  node_code: string | null;
  node_id: number | null;
  token_id: number | null;
  token_serial: string | null;
  token_node_id: number | null;
  token_status: TokenStatus | null;
  token_version: number | null;
  assigned_account_id: number | null;
  assigned_team_id: number | null;
  job_code: string | null;
  graph_id: number | null;
  product_code: string | null;
  quantity: number | null;
  priority: number | null;
  job_status: JobStatus | null;
  due_at: string | Date | null;
}

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
  const effective = (column: string, reached: string) => (shadow ? `CASE WHEN h.id IS NULL THEN ${column} ELSE ${reached} END` : column);
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

const STEP_ACTIONS: Record<OemStepStatus, string> = {
  [OemStepStatus.Pending]: 'step_pending',
  [OemStepStatus.Active]: 'step_started',
  [OemStepStatus.Done]: 'step_completed',
  [OemStepStatus.Skipped]: 'step_skipped',
};

/**
 * OEM scan handling in two halves: plan() reads and decides (the shadow run stops there),
 * apply() carries a plan out inside the scan's transaction: the linked token moves through
 * the core lifecycle, then the step and the ticket change by a conditional UPDATE.
 */
@Injectable()
export class OemScanService {
  private readonly prefix: string;

  constructor(
    private readonly lifecycle: TokenLifecycleService,
    private readonly accounts: AccountsService,
    private readonly rules: OemRulesService,
    config: ConfigService<Environment, true>,
  ) {
    this.prefix = config.get('OEM_BARCODE_PREFIX', { infer: true });
  }

  /**
   * OEM mode. plan() only reads, so its failures may fall back to the manual path. apply()
   * writes without a savepoint: SQLite journals every page changed inside one, spilling to a
   * temporary file past 64 KiB, which was the largest part of OEM mode's extra cost. A
   * refusal rolls the whole scan back anyway, and any other failure in apply() fails the scan
   * too rather than let the manual path run on top of half an OEM scan.
   */
  async scan(scan: ScanInput, em: EntityManager): Promise<OemAnswer> {
    const plan = await this.plan(scan, em, 'live');
    if (plan.kind === 'not_oem') return { result: null };
    if (plan.kind === 'refused') return plan.remember ? { result: remembered(plan.error) } : { refusal: plan.error };
    try {
      return { result: await this.apply(plan.move, scan, em) };
    } catch (error) {
      return error instanceof DomainError ? { refusal: error } : { failure: error };
    }
  }

  async plan(scan: ScanInput, em: EntityManager, mode: PlanMode): Promise<OemPlan> {
    const rules = await this.rules.active(em);
    for (const rule of rules) {
      if (rule.stationCode !== scan.stationCode) continue;
      const match = compiledPattern(rule.pattern).match(scan.barcode);
      if (!match) continue;
      const ticket = await this.findTicket(em, mode, rule.customer, match);
      if (ticket) return this.planStep(rule, ticket, match.seq);
    }
    const elsewhere = rules.find((r) => r.stationCode !== scan.stationCode && compiledPattern(r.pattern).match(scan.barcode));
    if (!elsewhere && !scan.barcode.startsWith(this.prefix)) return { kind: 'not_oem' };
    const where = elsewhere ? `; it fits a rule of station ${elsewhere.stationCode}` : '';
    return {
      kind: 'refused',
      remember: true,
      error: new DomainError(ErrorCode.NoRule, `No OEM rule of station ${scan.stationCode} takes barcode ${scan.barcode} for a known ticket${where}`, {
        stationCode: scan.stationCode,
        barcode: scan.barcode,
        ruleStation: elsewhere?.stationCode ?? null,
      }),
    };
  }

  private async findTicket(em: EntityManager, mode: PlanMode, customer: string, match: BarcodeMatch): Promise<TicketRow | undefined> {
    const [row] = match.ref !== undefined ? await em.query(TICKET_READS[mode].ref, [customer, match.ref]) : await em.query(TICKET_READS[mode].job, [customer, match.job]);
    return row;
  }

  private planStep(rule: ActiveRule, t: TicketRow, seq: number | undefined): OemPlan {
    const name = `${t.customer} ${t.external_ref}`;
    const refuse = (code: ErrorCode, message: string, details: Record<string, unknown> = {}): OemPlan => ({
      kind: 'refused',
      remember: false,
      error: new DomainError(code, message, { ticketId: Number(t.id), ...details }),
    });
    if (t.status === OemTicketStatus.Cancelled || t.status === OemTicketStatus.Done || t.current_sequence === null || t.step_id === null) {
      return refuse(ErrorCode.InvalidState, `OEM ticket ${name} is ${t.status}; there is no step to scan`, { status: t.status });
    }
    const current = Number(t.current_sequence);
    if (seq !== undefined && seq !== current) {
      return refuse(ErrorCode.StepOutOfOrder, `OEM ticket ${name}: step ${seq} scanned, but step ${current} (${t.step_name}) is next`, { expectedSequence: current, scannedSequence: seq });
    }
    const from = t.step_status!;
    const to = nextStatus(rule.action, from);
    if (!to) return refuse(ErrorCode.InvalidState, `OEM ticket ${name}: step ${current} (${t.step_name}) is ${from} and cannot be skipped`, { stepStatus: from });

    const move: StepMove = {
      ruleId: rule.id,
      ticket: { id: Number(t.id), customer: t.customer, externalRef: t.external_ref, status: t.status, stepCount: Number(t.step_count) },
      step: { id: Number(t.step_id), sequence: current, name: t.step_name!, status: from, nodeCode: t.node_code },
      to,
      stored: { version: Number(t.stored_version), stepStatus: t.stored_step_status },
      token: null,
    };
    if (to === OemStepStatus.Skipped || t.node_id === null) return { kind: 'apply', move };

    if (t.token_id === null) return refuse(ErrorCode.InvalidState, `OEM ticket ${name}: its job ${t.job_id} has no token in production (not spawned, or finished)`, { jobId: t.job_id });
    if (Number(t.token_node_id) !== Number(t.node_id)) {
      return refuse(ErrorCode.StepOutOfOrder, `OEM ticket ${name}: step ${current} (${t.step_name}) maps to node ${t.node_code}, but the job's token is not there yet`, {
        expectedSequence: current,
        tokenId: Number(t.token_id),
        nodeCode: t.node_code,
      });
    }
    const waiting = t.token_status === TokenStatus.Waiting;
    const ops: TokenOp[] = to === OemStepStatus.Active ? (waiting ? ['start'] : []) : waiting ? ['start', 'complete'] : ['complete'];
    move.token = { id: Number(t.token_id), nodeCode: t.node_code!, ops, state: tokenState(t) };
    return { kind: 'apply', move };
  }

  /**
   * The token moves first, from the state read with the ticket: its UPDATE is conditional on
   * that version, as the core's own moves are. Then the step moves by an UPDATE conditional
   * on the state it was planned from and on the ticket's version it was read at: on MySQL the
   * ticket was read from a snapshot, and a cancel (or another scan) committed since must make
   * this scan lose, not leave a cancelled ticket with an active step and a started token. The
   * ticket row changes (and bumps its version) only when its status or current step does.
   */
  private async apply(move: StepMove, scan: ScanInput, em: EntityManager): Promise<ScanResult> {
    const now = new Date();
    const { ticket, step, to } = move;
    let moved: MovedToken | null = null;
    let fromNodeCode: string | undefined;
    if (move.token && move.token.ops.length > 0) {
      const operatorId = scan.operatorCode ? await this.accounts.operatorId(em, scan.operatorCode) : null;
      let state = move.token.state;
      for (const op of move.token.ops) {
        if (op === 'start') moved = await this.lifecycle.startWithin(em, state, operatorId, now);
        else {
          fromNodeCode = move.token.nodeCode;
          moved = await this.lifecycle.completeWithin(em, state, scan.outcome, operatorId, now);
        }
        state = { token: moved.token, job: moved.job };
      }
    }

    const at = toDbTime(now);
    // the ticket's version in the same statement: on MySQL a DML's subquery is a locking read of
    // the latest row, so a cancel (or another scan) committed since the snapshot read makes it miss
    const stepChanged = await execute(
      em,
      `UPDATE oem_job_ticket_step SET status = ?, scanned_at = ?, station_code = ?
       WHERE id = ? AND status = ? AND (SELECT t.version FROM oem_job_ticket t WHERE t.id = ?) = ?`,
      [to, at, scan.stationCode, step.id, step.status, ticket.id, move.stored.version],
    );
    if (stepChanged !== 1) throw concurrentScan(ticket);
    const reached = reachedState(move);
    if (reached.sequence !== step.sequence || reached.status !== ticket.status) {
      const ticketChanged = await execute(em, `UPDATE oem_job_ticket SET status = ?, current_sequence = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, [
        reached.status,
        reached.sequence,
        at,
        ticket.id,
        move.stored.version,
      ]);
      if (ticketChanged !== 1) throw concurrentScan(ticket);
    }

    const token = moved ? { id: moved.token.id, serial: moved.token.serial, status: moved.token.status, nodeCode: moved.node.code, version: moved.token.version } : null;
    return {
      handledBy: 'oem',
      action: STEP_ACTIONS[to],
      token,
      ...(fromNodeCode ? { fromNodeCode } : {}),
      message: `OEM ticket ${ticket.customer} ${ticket.externalRef}: step ${step.sequence} (${step.name}) ${to}${reached.status === OemTicketStatus.Done ? '; ticket done' : ''}`,
    };
  }
}

/** A started step stays current; a finished one hands over to the next, or finishes the ticket after the last. */
export function reachedState(move: StepMove): ReachedState {
  const { step, to, ticket } = move;
  if (to === OemStepStatus.Active) return { status: OemTicketStatus.InProgress, sequence: step.sequence, stepStatus: OemStepStatus.Active };
  if (step.sequence < ticket.stepCount) return { status: OemTicketStatus.InProgress, sequence: step.sequence + 1, stepStatus: OemStepStatus.Pending };
  return { status: OemTicketStatus.Done, sequence: null, stepStatus: null };
}

function nextStatus(action: OemRuleAction, from: OemStepStatus): OemStepStatus | null {
  if (action === OemRuleAction.Skip) return from === OemStepStatus.Pending ? OemStepStatus.Skipped : null;
  if (action === OemRuleAction.Complete || from === OemStepStatus.Active) return OemStepStatus.Done;
  return OemStepStatus.Active;
}

/** The token and its job as the core's TokenStore reads them, from the columns read with the ticket. */
function tokenState(t: TicketRow): TokenState {
  const numOrNull = (v: number | null) => (v === null ? null : Number(v));
  return {
    token: {
      id: Number(t.token_id),
      serial: t.token_serial!,
      jobId: Number(t.job_id),
      currentNodeId: Number(t.token_node_id),
      status: t.token_status!,
      assignedAccountId: numOrNull(t.assigned_account_id),
      assignedTeamId: numOrNull(t.assigned_team_id),
      version: Number(t.token_version),
    },
    job: {
      id: Number(t.job_id),
      code: t.job_code!,
      graphId: Number(t.graph_id),
      productCode: t.product_code!,
      quantity: Number(t.quantity),
      priority: Number(t.priority),
      status: t.job_status!,
      dueAt: fromDbTime(t.due_at),
    },
  };
}

function concurrentScan(ticket: StepMove['ticket']): DomainError {
  return new DomainError(ErrorCode.ConcurrentUpdate, `OEM ticket ${ticket.customer} ${ticket.externalRef} was changed concurrently (another scan or a cancel); scan again`, { ticketId: ticket.id });
}

/** A refusal kept with the scan record, so the scan is on file and a repeat gets the same answer. */
function remembered(error: DomainError): ScanResult {
  return { handledBy: 'oem', action: 'refused', token: null, message: error.message, refusal: { code: error.code, message: error.message, details: error.details } };
}
