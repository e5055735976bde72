import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { Environment } from '../config/environment.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { ScanInput } from '../production/scan.types.js';
import { OemRuleAction } from './entities/oem-scan-rule.entity.js';
import { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';
import type { ActiveRule } from './oem-rules.repository.js';
import { OemScanRepository, type ScanTicket } from './oem-scan.repository.js';
import type { PlanMode, ReachedState, StepMove, TokenOp } from './oem-scan.types.js';
import { compiledPattern, type BarcodeMatch } from './safe-pattern.js';

/** What OEM mode does with a scan, decided from the current state without changing it. */
export type OemPlan =
  /** No rule takes the barcode and it does not look like an OEM barcode: the manual path runs. */
  | { kind: 'not_oem' }
  /** Answered with `error`; `remember` keeps the scan (and its answer) in the scan record. */
  | { kind: 'refused'; error: DomainError; remember: boolean }
  | { kind: 'apply'; move: StepMove };

/** A rule of the scan's station that takes its barcode, and where it stands in the rule list. */
export interface StationMatch {
  at: number;
  rule: ActiveRule;
  match: BarcodeMatch;
}

/**
 * Decides what OEM mode does with a scan from the active rules and the ticket a matching rule
 * names, without changing anything: the first rule of the scan's station whose pattern takes
 * the barcode for a known ticket wins.
 */
@Injectable()
export class OemScanPlanner {
  private readonly prefix: string;
  /**
   * Per scan, its first match against a rule list: the flag context and the plan both start
   * from it, and the pattern match is most of the OEM path's own CPU time (~20 us each).
   */
  private readonly firstMatches = new WeakMap<ScanInput, FirstMatch>();

  constructor(
    private readonly repository: OemScanRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.prefix = config.get('OEM_BARCODE_PREFIX', { infer: true });
  }

  /** The first rule of the scan's station that takes its barcode; matched once per scan and rule list. */
  firstMatch(scan: ScanInput, rules: readonly ActiveRule[]): StationMatch | null {
    const known = this.firstMatches.get(scan);
    if (known && known.rules === rules && known.barcode === scan.barcode && known.stationCode === scan.stationCode)
      return known.found;
    const found = nextMatch(scan, rules, 0);
    this.firstMatches.set(scan, { rules, barcode: scan.barcode, stationCode: scan.stationCode, found });
    return found;
  }

  async plan(scan: ScanInput, rules: readonly ActiveRule[], em: EntityManager, mode: PlanMode): Promise<OemPlan> {
    for (let found = this.firstMatch(scan, rules); found; found = nextMatch(scan, rules, found.at + 1)) {
      const ticket = await this.repository.findTicket(em, mode, found.rule.customer, found.match);
      if (ticket) return planStep(found.rule, ticket, found.match.seq);
    }
    const elsewhere = rules.find(
      (r) => r.stationCode !== scan.stationCode && compiledPattern(r.pattern).match(scan.barcode),
    );
    if (!elsewhere && !scan.barcode.startsWith(this.prefix)) return { kind: 'not_oem' };
    const where = elsewhere ? `; it fits a rule of station ${elsewhere.stationCode}` : '';
    return {
      kind: 'refused',
      remember: true,
      error: new DomainError(
        ErrorCode.NoRule,
        `No OEM rule of station ${scan.stationCode} takes barcode ${scan.barcode} for a known ticket${where}`,
        {
          stationCode: scan.stationCode,
          barcode: scan.barcode,
          ruleStation: elsewhere?.stationCode ?? null,
        },
      ),
    };
  }
}

interface FirstMatch {
  rules: readonly ActiveRule[];
  barcode: string;
  stationCode: string;
  found: StationMatch | null;
}

function nextMatch(scan: ScanInput, rules: readonly ActiveRule[], from: number): StationMatch | null {
  for (let at = from; at < rules.length; at++) {
    const rule = rules[at];
    if (rule.stationCode !== scan.stationCode) continue;
    const match = compiledPattern(rule.pattern).match(scan.barcode);
    if (match) return { at, rule, match };
  }
  return null;
}

/** The move `rule` makes of the ticket's current step (`seq`: the step the barcode names, if it names one), or why it is refused. */
function planStep(rule: ActiveRule, t: ScanTicket, seq: number | undefined): OemPlan {
  const name = `${t.customer} ${t.externalRef}`;
  const refuse = (code: ErrorCode, message: string, details: Record<string, unknown> = {}): OemPlan => ({
    kind: 'refused',
    remember: false,
    error: new DomainError(code, message, { ticketId: t.id, ...details }),
  });
  const { step } = t;
  if (
    t.status === OemTicketStatus.Cancelled ||
    t.status === OemTicketStatus.Done ||
    t.currentSequence === null ||
    step === null
  ) {
    return refuse(ErrorCode.InvalidState, `OEM ticket ${name} is ${t.status}; there is no step to scan`, {
      status: t.status,
    });
  }
  const current = t.currentSequence;
  if (seq !== undefined && seq !== current) {
    return refuse(
      ErrorCode.StepOutOfOrder,
      `OEM ticket ${name}: step ${seq} scanned, but step ${current} (${step.name}) is next`,
      { expectedSequence: current, scannedSequence: seq },
    );
  }
  const from = step.status;
  const to = nextStatus(rule.action, from);
  if (!to)
    return refuse(
      ErrorCode.InvalidState,
      `OEM ticket ${name}: step ${current} (${step.name}) is ${from} and cannot be skipped`,
      { stepStatus: from },
    );

  const move: StepMove = {
    ruleId: rule.id,
    ticket: { id: t.id, customer: t.customer, externalRef: t.externalRef, status: t.status, stepCount: t.stepCount },
    step: { id: step.id, sequence: current, name: step.name, status: from, nodeCode: step.nodeCode },
    to,
    stored: t.stored,
    token: null,
  };
  if (to === OemStepStatus.Skipped || step.nodeId === null) return { kind: 'apply', move };

  if (t.token === null) {
    if (t.tokenElsewhere === null)
      return refuse(
        ErrorCode.InvalidState,
        `OEM ticket ${name}: its job ${t.jobId} has no token in production (not spawned, or finished)`,
        { jobId: t.jobId },
      );
    return refuse(
      ErrorCode.StepOutOfOrder,
      `OEM ticket ${name}: step ${current} (${step.name}) maps to node ${step.nodeCode}, but the job's token is not there yet`,
      {
        expectedSequence: current,
        tokenId: t.tokenElsewhere,
        nodeCode: step.nodeCode,
      },
    );
  }
  const { token } = t.token;
  const waiting = token.status === TokenStatus.Waiting;
  const ops: TokenOp[] =
    to === OemStepStatus.Active ? (waiting ? ['start'] : []) : waiting ? ['start', 'complete'] : ['complete'];
  move.token = { id: token.id, nodeCode: step.nodeCode, ops, state: t.token };
  return { kind: 'apply', move };
}

function nextStatus(action: OemRuleAction, from: OemStepStatus): OemStepStatus | null {
  if (action === OemRuleAction.Skip) return from === OemStepStatus.Pending ? OemStepStatus.Skipped : null;
  if (action === OemRuleAction.Complete || from === OemStepStatus.Active) return OemStepStatus.Done;
  return OemStepStatus.Active;
}

/** A started step stays current; a finished one hands over to the next, or finishes the ticket after the last. */
export function reachedState(move: StepMove): ReachedState {
  const { step, to, ticket } = move;
  if (to === OemStepStatus.Active)
    return { status: OemTicketStatus.InProgress, sequence: step.sequence, stepStatus: OemStepStatus.Active };
  if (step.sequence < ticket.stepCount)
    return { status: OemTicketStatus.InProgress, sequence: step.sequence + 1, stepStatus: OemStepStatus.Pending };
  return { status: OemTicketStatus.Done, sequence: null, stepStatus: null };
}
