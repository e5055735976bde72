import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ErrorCode } from '../common/errors/error-code.js';
import { fromDbTime, toDbTime } from '../database/dialect.js';
import type { ScanInput, ScanResult } from '../production/scan.types.js';
import { ShadowKind } from './entities/oem-shadow-result.entity.js';
import type { OemPlan, TokenOp } from './oem-scan.service.js';

export interface ShadowExample {
  id: number;
  kind: ShadowKind;
  stationCode: string;
  barcode: string;
  recordedAt: Date;
  manual: Record<string, unknown>;
  oem: Record<string, unknown>;
}

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

/** The shadow run's log: one comparison per scan, and the report a factory decides go-live on. */
@Injectable()
export class OemShadowService {
  constructor(private readonly dataSource: DataSource) {}

  async record(scan: ScanInput, plan: OemPlan, manual: ScanResult, em: EntityManager): Promise<void> {
    const { kind, oem } = compare(plan, manual);
    const manualView = {
      action: manual.action,
      tokenId: manual.token?.id ?? null,
      serial: manual.token?.serial ?? null,
      nodeCode: atNode(manual),
      ops: manualOps(manual).join('+'),
    };
    await em.query(`INSERT INTO oem_shadow_result (station_code, barcode, kind, manual, oem, recorded_at) VALUES (?, ?, ?, ?, ?, ?)`, [
      scan.stationCode,
      scan.barcode,
      kind,
      JSON.stringify(manualView),
      JSON.stringify(oem),
      toDbTime(new Date()),
    ]);
  }

  /** Two queries whatever the volume: counts by kind, and the latest examples of each discrepancy. */
  async report(since: Date | null, examplesPerKind: number): Promise<ShadowReport> {
    const where = since ? 'WHERE recorded_at >= ?' : '';
    const params = since ? [toDbTime(since)] : [];
    const counts: Array<{ kind: ShadowKind; n: string | number }> = await this.dataSource.query(
      `SELECT kind, COUNT(*) AS n FROM oem_shadow_result ${where} GROUP BY kind`,
      params,
    );
    const count = (k: ShadowKind) => Number(counts.find((c) => c.kind === k)?.n ?? 0);
    const total = counts.reduce((sum, c) => sum + Number(c.n), 0);
    const notOem = count(ShadowKind.NotOem);
    const agreed = count(ShadowKind.Agree);
    const compared = total - notOem;
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, kind, station_code, barcode, recorded_at, manual, oem FROM (
         SELECT r.*, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY id DESC) AS rn FROM oem_shadow_result r
         WHERE kind NOT IN (?, ?) ${since ? 'AND recorded_at >= ?' : ''}
       ) x WHERE rn <= ? ORDER BY kind, id DESC`,
      [...NOT_DISCREPANCIES, ...params, examplesPerKind],
    );
    return {
      since,
      total,
      notOem,
      compared,
      agreed,
      agreementRate: compared > 0 ? agreed / compared : null,
      discrepancies: Object.fromEntries(counts.filter((c) => !NOT_DISCREPANCIES.includes(c.kind)).map((c) => [c.kind, Number(c.n)])),
      examples: rows.map((r) => ({
        id: Number(r.id),
        kind: r.kind as ShadowKind,
        stationCode: String(r.station_code),
        barcode: String(r.barcode),
        recordedAt: fromDbTime(r.recorded_at as string | Date)!,
        manual: JSON.parse(String(r.manual)),
        oem: JSON.parse(String(r.oem)),
      })),
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

function compare(plan: OemPlan, manual: ScanResult): { kind: ShadowKind; oem: Record<string, unknown> } {
  if (plan.kind === 'not_oem') return { kind: ShadowKind.NotOem, oem: { outcome: 'not_oem' } };
  if (plan.kind === 'refused') {
    const kind = plan.error.code === ErrorCode.NoRule ? ShadowKind.NoRule : plan.error.code === ErrorCode.StepOutOfOrder ? ShadowKind.OutOfOrder : ShadowKind.Refused;
    return { kind, oem: { outcome: 'refused', code: plan.error.code, message: plan.error.message } };
  }
  const { move } = plan;
  const oem = {
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
  if (!move.token || move.token.ops.length === 0) return { kind: ShadowKind.TokenNotMoved, oem };
  const same = move.token.id === manual.token?.id && move.token.nodeCode === atNode(manual) && oem.ops === manualOps(manual).join('+');
  return { kind: same ? ShadowKind.Agree : ShadowKind.DifferentMove, oem };
}
