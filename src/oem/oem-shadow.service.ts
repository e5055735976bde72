import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { PhaseTelemetry } from '../phases/telemetry/phase-telemetry.service.js';
import type { ScanInput, ScanResult } from '../production/scan.types.js';
import { ShadowKind } from './entities/oem-shadow-result.entity.js';
import { OEM_PHASE } from './oem-flags.js';
import { reachedState, type OemPlan } from './oem-scan.planner.js';
import type { TokenOp } from './oem-scan.types.js';
import { OemShadowRepository, type ShadowExample } from './oem-shadow.repository.js';

/** What manual mode made of a scan: its result, or the error it was refused (or failed) with. */
export type ManualOutcome = { result: ScanResult } | { error: unknown };

export interface ShadowReport {
  since: Date | null;
  /** Scans recorded by the shadow run. */
  total: number;
  /** Scans no OEM rule would have taken: OEM mode runs the manual path for them too. */
  notOem: number;
  /** Scans OEM mode would have handled: the base of the agreement rate. */
  compared: number;
  agreed: number;
  /** agreed / compared, null before any comparable scan. */
  agreementRate: number | null;
  discrepancies: Partial<Record<ShadowKind, number>>;
  /** The latest few of each discrepancy kind. */
  examples: ShadowExample[];
}

const NOT_DISCREPANCIES = [ShadowKind.Agree, ShadowKind.NotOem];
const DISCREPANCIES = Object.values(ShadowKind).filter((kind) => !NOT_DISCREPANCIES.includes(kind));

/** The shadow run's log: one comparison per scan, and the report a factory decides go-live on. */
@Injectable()
export class OemShadowService {
  constructor(
    private readonly repository: OemShadowRepository,
    private readonly telemetry: PhaseTelemetry,
  ) {}

  /**
   * One row per scan. A plan OEM mode would have applied also records the ticket state it
   * would have reached: the next shadow plan for the ticket starts from there (see the shadow
   * ticket read in OemScanRepository), whatever manual mode did, as OEM mode would have.
   */
  async record(scan: ScanInput, plan: OemPlan, manual: ManualOutcome, em: EntityManager): Promise<void> {
    const { kind, oem } = 'result' in manual ? compare(plan, manual.result) : compareRefused(plan);
    this.telemetry.signal(OEM_PHASE, `shadow_${kind}`);
    const move = plan.kind === 'apply' ? plan.move : null;
    await this.repository.insert(em, {
      stationCode: scan.stationCode,
      barcode: scan.barcode,
      kind,
      manual: manualView(manual),
      oem,
      recordedAt: new Date(),
      move: move
        ? {
            ticketId: move.ticket.id,
            baseVersion: move.stored.version,
            baseStepStatus: move.stored.stepStatus,
            reached: reachedState(move),
          }
        : null,
    });
  }

  /** Two queries whatever the volume: counts by kind, and the latest examples of each discrepancy. */
  async report(since: Date | null, examplesPerKind: number): Promise<ShadowReport> {
    const counts = await this.repository.countsByKind(since);
    const count = (k: ShadowKind) => counts.get(k) ?? 0;
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    const notOem = count(ShadowKind.NotOem);
    const agreed = count(ShadowKind.Agree);
    const compared = total - notOem;
    return {
      since,
      total,
      notOem,
      compared,
      agreed,
      agreementRate: compared > 0 ? agreed / compared : null,
      discrepancies: Object.fromEntries([...counts].filter(([kind]) => !NOT_DISCREPANCIES.includes(kind))),
      examples: await this.repository.latest(DISCREPANCIES, since, examplesPerKind),
    };
  }
}

/** The manual path's moves in the OEM plan's terms: a start, or a completion. */
function manualOps(manual: ScanResult): TokenOp[] {
  return manual.action === 'started' ? ['start'] : ['complete'];
}

function atNode(manual: ScanResult): string | null {
  return manual.fromNodeCode ?? manual.token?.nodeCode ?? null;
}

function manualView(manual: ManualOutcome): Record<string, unknown> {
  if ('error' in manual) {
    const { error } = manual;
    return {
      action: 'refused',
      code: error instanceof DomainError ? error.code : null,
      message: error instanceof Error ? error.message : String(error),
    };
  }
  const { result } = manual;
  return {
    action: result.action,
    tokenId: result.token?.id ?? null,
    serial: result.token?.serial ?? null,
    nodeCode: atNode(result),
    ops: manualOps(result).join('+'),
  };
}

function compare(plan: OemPlan, manual: ScanResult): { kind: ShadowKind; oem: Record<string, unknown> } {
  if (plan.kind !== 'apply')
    return { kind: plan.kind === 'not_oem' ? ShadowKind.NotOem : refusedKind(plan.error), oem: oemView(plan) };
  const { move } = plan;
  const oem = oemView(plan);
  if (!move.token || move.token.ops.length === 0) return { kind: ShadowKind.TokenNotMoved, oem };
  const same =
    move.token.id === manual.token?.id &&
    move.token.nodeCode === atNode(manual) &&
    oem.ops === manualOps(manual).join('+');
  return { kind: same ? ShadowKind.Agree : ShadowKind.DifferentMove, oem };
}

/** Manual mode refused the scan: OEM mode agrees if it would have refused it too (or left it to the manual path). */
function compareRefused(plan: OemPlan): { kind: ShadowKind; oem: Record<string, unknown> } {
  const kind =
    plan.kind === 'not_oem' ? ShadowKind.NotOem : plan.kind === 'refused' ? ShadowKind.Agree : ShadowKind.ManualRefused;
  return { kind, oem: oemView(plan) };
}

function refusedKind(error: DomainError): ShadowKind {
  if (error.code === ErrorCode.NoRule) return ShadowKind.NoRule;
  return error.code === ErrorCode.StepOutOfOrder ? ShadowKind.OutOfOrder : ShadowKind.Refused;
}

function oemView(plan: OemPlan): Record<string, unknown> {
  if (plan.kind === 'not_oem') return { outcome: 'not_oem' };
  if (plan.kind === 'refused') return { outcome: 'refused', code: plan.error.code, message: plan.error.message };
  const { move } = plan;
  return {
    outcome: 'apply',
    ruleId: move.ruleId,
    ticketId: move.ticket.id,
    ticket: `${move.ticket.customer} ${move.ticket.externalRef}`,
    stepSequence: move.step.sequence,
    stepName: move.step.name,
    stepTo: move.to,
    tokenId: move.token?.id ?? null,
    nodeCode: move.token?.nodeCode ?? null,
    ops: move.token?.ops.join('+') ?? '',
  };
}
