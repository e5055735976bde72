import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { Environment } from '../config/environment.js';
import { execute, toDbTime } from '../database/dialect.js';
import { AccountsService } from '../production/accounts.service.js';
import type { MovedToken } from '../production/dag-routing.service.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { ScanInput, ScanResult } from '../production/scan.types.js';
import { TokenLifecycleService } from '../production/token-lifecycle.service.js';
import { TokenStore } from '../production/token-store.js';
import { OemRuleAction } from './entities/oem-scan-rule.entity.js';
import { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';
import { OemRulesService, type ActiveRule } from './oem-rules.service.js';
import { compiledPattern, type BarcodeMatch } from './safe-pattern.js';

export type TokenOp = 'start' | 'complete';

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
  /** The linked token and what happens to it at the step's node; null when no token moves. */
  token: { id: number; version: number; nodeCode: string; ops: TokenOp[] } | null;
}

/** What the scan path answers: a result (null: manual path) or a refusal the client must see. */
export type OemAnswer = { result: ScanResult | null } | { refusal: DomainError };

interface TicketRow {
  id: number;
  customer: string;
  external_ref: string;
  job_id: number | null;
  status: OemTicketStatus;
  current_sequence: number | null;
  step_count: number;
  step_id: number | null;
  step_name: string | null;
  step_status: OemStepStatus | null;
  node_code: string | null;
  node_id: number | null;
  token_id: number | null;
  token_node_id: number | null;
  token_status: TokenStatus | null;
  token_version: number | null;
}

/**
 * A ticket with its current step and its job's token in production, preferring one at the
 * step's node, in one statement: the scan path's hottest read.
 */
const TICKET_STEP_TOKEN = `SELECT t.id, t.customer, t.external_ref, t.job_id, t.status, t.current_sequence, t.step_count,
  s.id AS step_id, s.name AS step_name, s.status AS step_status, s.node_code, s.node_id,
  k.id AS token_id, k.current_node_id AS token_node_id, k.status AS token_status, k.version AS token_version
  FROM oem_job_ticket t
  LEFT JOIN oem_job_ticket_step s ON s.ticket_id = t.id AND s.sequence = t.current_sequence
  LEFT JOIN token k ON k.job_id = t.job_id AND k.status IN ('${TokenStatus.Waiting}', '${TokenStatus.InProgress}')`;
const PREFER_TOKEN_AT_STEP = `ORDER BY CASE WHEN k.current_node_id = s.node_id THEN 0 ELSE 1 END, k.id LIMIT 1`;

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
    private readonly store: TokenStore,
    private readonly lifecycle: TokenLifecycleService,
    private readonly accounts: AccountsService,
    private readonly rules: OemRulesService,
    config: ConfigService<Environment, true>,
  ) {
    this.prefix = config.get('OEM_BARCODE_PREFIX', { infer: true });
  }

  /** OEM mode: plan, then apply in a savepoint, so an unexpected failure leaves nothing half-written for the fallback. */
  async scan(scan: ScanInput, em: EntityManager): Promise<OemAnswer> {
    const plan = await this.plan(scan, em);
    if (plan.kind === 'not_oem') return { result: null };
    if (plan.kind === 'refused') return plan.remember ? { result: remembered(plan.error) } : { refusal: plan.error };
    // raw savepoint statements (both databases have them): TypeORM's nested transaction does the same at several times the cost
    await em.query('SAVEPOINT oem_apply');
    try {
      const result = await this.apply(plan.move, scan, em);
      await em.query('RELEASE SAVEPOINT oem_apply');
      return { result };
    } catch (error) {
      await em.query('ROLLBACK TO SAVEPOINT oem_apply').catch(() => undefined);
      if (error instanceof DomainError) return { refusal: error };
      throw error;
    }
  }

  async plan(scan: ScanInput, em: EntityManager): Promise<OemPlan> {
    const rules = await this.rules.active(em);
    for (const rule of rules) {
      if (rule.stationCode !== scan.stationCode) continue;
      const match = compiledPattern(rule.pattern).match(scan.barcode);
      if (!match) continue;
      const ticket = await this.findTicket(em, rule.customer, match);
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

  private async findTicket(em: EntityManager, customer: string, match: BarcodeMatch): Promise<TicketRow | undefined> {
    const [row] = match.ref !== undefined
      ? await em.query(`${TICKET_STEP_TOKEN} WHERE t.customer = ? AND t.external_ref = ? ${PREFER_TOKEN_AT_STEP}`, [customer, match.ref])
      : await em.query(`${TICKET_STEP_TOKEN} JOIN job_ticket j ON j.id = t.job_id WHERE t.customer = ? AND j.code = ? ${PREFER_TOKEN_AT_STEP}`, [customer, match.job]);
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
    move.token = { id: Number(t.token_id), version: Number(t.token_version), nodeCode: t.node_code!, ops };
    return { kind: 'apply', move };
  }

  /**
   * The step moves by an UPDATE conditional on the state it was planned from, so of two
   * concurrent scans of one ticket exactly one applies; the ticket row changes (and bumps its
   * version) only when its status or current step does.
   */
  private async apply(move: StepMove, scan: ScanInput, em: EntityManager): Promise<ScanResult> {
    const now = new Date();
    const at = toDbTime(now);
    const { ticket, step, to } = move;
    const stepChanged = await execute(em, `UPDATE oem_job_ticket_step SET status = ?, scanned_at = ?, station_code = ? WHERE id = ? AND status = ?`, [
      to,
      at,
      scan.stationCode,
      step.id,
      step.status,
    ]);
    if (stepChanged !== 1) throw concurrentScan(ticket);
    const next = to === OemStepStatus.Active ? step.sequence : step.sequence < ticket.stepCount ? step.sequence + 1 : null;
    const status = next === null ? OemTicketStatus.Done : OemTicketStatus.InProgress;
    if (next !== step.sequence || status !== ticket.status) {
      const ticketChanged = await execute(
        em,
        `UPDATE oem_job_ticket SET status = ?, current_sequence = ?, version = version + 1, updated_at = ? WHERE id = ? AND current_sequence = ? AND status = ?`,
        [status, next, at, ticket.id, step.sequence, ticket.status],
      );
      if (ticketChanged !== 1) throw concurrentScan(ticket);
    }

    let moved: MovedToken | null = null;
    let fromNodeCode: string | undefined;
    if (move.token && move.token.ops.length > 0) {
      const operatorId = scan.operatorCode ? await this.accounts.operatorId(em, scan.operatorCode) : null;
      let state = await this.store.load(em, move.token.id, move.token.version);
      for (const op of move.token.ops) {
        if (op === 'start') moved = await this.lifecycle.startWithin(em, state, operatorId, now);
        else {
          fromNodeCode = move.token.nodeCode;
          moved = await this.lifecycle.completeWithin(em, state, scan.outcome, operatorId, now);
        }
        state = { token: moved.token, job: moved.job };
      }
    }
    const token = moved ? { id: moved.token.id, serial: moved.token.serial, status: moved.token.status, nodeCode: moved.node.code, version: moved.token.version } : null;
    return {
      handledBy: 'oem',
      action: STEP_ACTIONS[to],
      token,
      ...(fromNodeCode ? { fromNodeCode } : {}),
      message: `OEM ticket ${ticket.customer} ${ticket.externalRef}: step ${step.sequence} (${step.name}) ${to}${status === OemTicketStatus.Done ? '; ticket done' : ''}`,
    };
  }
}

function nextStatus(action: OemRuleAction, from: OemStepStatus): OemStepStatus | null {
  if (action === OemRuleAction.Skip) return from === OemStepStatus.Pending ? OemStepStatus.Skipped : null;
  if (action === OemRuleAction.Complete || from === OemStepStatus.Active) return OemStepStatus.Done;
  return OemStepStatus.Active;
}

function concurrentScan(ticket: StepMove['ticket']): DomainError {
  return new DomainError(ErrorCode.ConcurrentUpdate, `OEM ticket ${ticket.customer} ${ticket.externalRef} was changed by a concurrent scan; scan again`, { ticketId: ticket.id });
}

/** A refusal kept with the scan record, so the scan is on file and a repeat gets the same answer. */
function remembered(error: DomainError): ScanResult {
  return { handledBy: 'oem', action: 'refused', token: null, message: error.message, refusal: { code: error.code, message: error.message, details: error.details } };
}
