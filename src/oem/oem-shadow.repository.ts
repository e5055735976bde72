import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { fromDbTime, toDbTime } from '../database/dialect.js';
import type { OemStepStatus } from './entities/oem-job-ticket.entity.js';
import type { ShadowKind } from './entities/oem-shadow-result.entity.js';
import type { ReachedState } from './oem-scan.types.js';

/** One shadow comparison as recorded. */
export interface ShadowRow {
  stationCode: string;
  barcode: string;
  kind: ShadowKind;
  manual: Record<string, unknown>;
  oem: Record<string, unknown>;
  recordedAt: Date;
  /** The ticket a plan OEM mode would have applied moves, the row it was planned from and the state it would have reached. */
  move: { ticketId: number; baseVersion: number; baseStepStatus: OemStepStatus | null; reached: ReachedState } | null;
}

export interface ShadowExample {
  id: number;
  kind: ShadowKind;
  stationCode: string;
  barcode: string;
  recordedAt: Date;
  manual: Record<string, unknown>;
  oem: Record<string, unknown>;
}

/** The shadow run's log, oem_shadow_result. */
@Injectable()
export class OemShadowRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(em: EntityManager, row: ShadowRow): Promise<void> {
    const { move } = row;
    await em.query(
      `INSERT INTO oem_shadow_result (station_code, barcode, kind, manual, oem, recorded_at, ticket_id, base_version, base_step_status, reached_status, reached_sequence, reached_step_status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.stationCode,
        row.barcode,
        row.kind,
        JSON.stringify(row.manual),
        JSON.stringify(row.oem),
        toDbTime(row.recordedAt),
        move?.ticketId ?? null,
        move?.baseVersion ?? null,
        move?.baseStepStatus ?? null,
        move?.reached.status ?? null,
        move?.reached.sequence ?? null,
        move?.reached.stepStatus ?? null,
      ],
    );
  }

  /** Rows recorded since `since` (all when null), by kind. */
  async countsByKind(since: Date | null): Promise<Map<ShadowKind, number>> {
    const rows: Array<{ kind: ShadowKind; n: string | number }> = await this.dataSource.query(
      `SELECT kind, COUNT(*) AS n FROM oem_shadow_result ${since ? 'WHERE recorded_at >= ?' : ''} GROUP BY kind`,
      since ? [toDbTime(since)] : [],
    );
    return new Map(rows.map((r) => [r.kind, Number(r.n)]));
  }

  /**
   * The newest `perKind` rows of each of `kinds`, by kind, newest first: one branch per kind,
   * each reading its newest rows backwards on (kind, id), so the cost is the examples asked
   * for, not the log's length, which grows with every scan of a shadow run.
   */
  async latest(kinds: readonly ShadowKind[], since: Date | null, perKind: number): Promise<ShadowExample[]> {
    const branch = `SELECT * FROM (SELECT id, kind, station_code, barcode, recorded_at, manual, oem FROM oem_shadow_result
      WHERE kind = ? ${since ? 'AND recorded_at >= ?' : ''} ORDER BY id DESC LIMIT ?) e`;
    const rows = await this.dataSource.query<
      Array<{
        id: number;
        kind: ShadowKind;
        station_code: string;
        barcode: string;
        recorded_at: string | Date;
        manual: string;
        oem: string;
      }>
    >(
      `${kinds.map(() => branch).join(' UNION ALL ')} ORDER BY kind, id DESC`,
      kinds.flatMap((kind) => [kind, ...(since ? [toDbTime(since)] : []), perKind]),
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      stationCode: r.station_code,
      barcode: r.barcode,
      recordedAt: fromDbTime(r.recorded_at),
      manual: JSON.parse(r.manual) as Record<string, unknown>,
      oem: JSON.parse(r.oem) as Record<string, unknown>,
    }));
  }
}
