import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AccountsService } from '../production/accounts.service.js';
import type { MovedToken } from '../production/dag-routing.service.js';
import type { ScanInput, ScanResult } from '../production/scan.types.js';
import { TokenLifecycleService } from '../production/token-lifecycle.service.js';
import { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';
import { OemRulesService } from './oem-rules.service.js';
import { OemScanPlanner, reachedState, type OemPlan } from './oem-scan.planner.js';
import type { PlanMode, StepMove } from './oem-scan.types.js';
import { OemScanRepository } from './oem-scan.repository.js';
import type { FlagContext } from '../phases/flags/flag-rules.js';
import { scanContext } from '../phases/flags/work-context.js';

/**
 * What the scan path answers: a result (null: manual path), a refusal the client must see, or
 * a failure after OEM writes began, which fails the whole scan instead of falling back.
 */
export type OemAnswer = { result: ScanResult | null } | { refusal: DomainError } | { failure: unknown };

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
  constructor(
    private readonly planner: OemScanPlanner,
    private readonly repository: OemScanRepository,
    private readonly lifecycle: TokenLifecycleService,
    private readonly accounts: AccountsService,
    private readonly rules: OemRulesService,
  ) {}

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

  /**
   * What a flag rule sees of a scan: its station, and, when a rule of the station reads the
   * barcode, the customer and the ticket it names. The ticket is the bucketing key, so every
   * step of a ticket takes one path; a barcode no rule reads is its own key (a token serial).
   * From the rules snapshot: no query while it is fresh.
   */
  async flagContext(scan: ScanInput, em: EntityManager): Promise<FlagContext> {
    const found = this.planner.firstMatch(scan, await this.rules.active(em));
    if (!found) return scanContext(scan);
    const { rule, match } = found;
    const ticket = match.ref === undefined ? `job ${match.job ?? ''}` : match.ref;
    return { ...scanContext(scan), customer: rule.customer, targetingKey: `${rule.customer} ${ticket}` };
  }

  async plan(scan: ScanInput, em: EntityManager, mode: PlanMode): Promise<OemPlan> {
    return this.planner.plan(scan, await this.rules.active(em), em, mode);
  }

  /**
   * The token moves from the state read with the ticket: its UPDATE is conditional on that
   * version, as the core's own moves are. The step and the ticket change with the token's last
   * move (in its statement on MySQL, where a round trip is most of a statement's cost), each
   * conditional on what was read (the step's planned state, the ticket's version): on MySQL the
   * ticket was read from a snapshot, and a cancel (or another scan) committed since must make
   * this scan lose, not leave a cancelled ticket with an active step and a started token.
   */
  private async apply(move: StepMove, scan: ScanInput, em: EntityManager): Promise<ScanResult> {
    const now = new Date();
    const { ticket, step, to } = move;
    const reached = reachedState(move);
    const stepChange = this.repository.stepChange(move, scan.stationCode, now, reached);
    let moved: MovedToken | null = null;
    let fromNodeCode: string | undefined;
    const ops = move.token?.ops ?? [];
    if (move.token && ops.length > 0) {
      const operatorId = scan.operatorCode ? await this.accounts.operatorId(em, scan.operatorCode) : null;
      let state = move.token.state;
      try {
        for (const [i, op] of ops.entries()) {
          const alongside = i === ops.length - 1 ? stepChange : [];
          if (op === 'start') moved = await this.lifecycle.startWithin(em, state, operatorId, now, alongside);
          else {
            fromNodeCode = move.token.nodeCode;
            moved = await this.lifecycle.completeWithin(em, state, scan.outcome, operatorId, now, alongside);
          }
          state = { token: moved.token, job: moved.job };
        }
      } catch (error) {
        throw error instanceof DomainError && error.code === ErrorCode.ConcurrentUpdate
          ? concurrentScan(ticket)
          : error;
      }
    } else if (!(await this.repository.moveStep(em, stepChange))) throw concurrentScan(ticket);

    const token = moved
      ? {
          id: moved.token.id,
          serial: moved.token.serial,
          status: moved.token.status,
          nodeCode: moved.node.code,
          version: moved.token.version,
        }
      : null;
    return {
      handledBy: 'oem',
      action: STEP_ACTIONS[to],
      token,
      ...(fromNodeCode ? { fromNodeCode } : {}),
      message: `OEM ticket ${ticket.customer} ${ticket.externalRef}: step ${step.sequence} (${step.name}) ${to}${reached.status === OemTicketStatus.Done ? '; ticket done' : ''}`,
    };
  }
}

function concurrentScan(ticket: StepMove['ticket']): DomainError {
  return new DomainError(
    ErrorCode.ConcurrentUpdate,
    `OEM ticket ${ticket.customer} ${ticket.externalRef} or its token was changed concurrently (another scan, a cancel or a move of the token); scan again`,
    { ticketId: ticket.id },
  );
}

/** A refusal kept with the scan record, so the scan is on file and a repeat gets the same answer. */
function remembered(error: DomainError): ScanResult {
  return {
    handledBy: 'oem',
    action: 'refused',
    token: null,
    message: error.message,
    refusal: { code: error.code, message: error.message, details: error.details },
  };
}
