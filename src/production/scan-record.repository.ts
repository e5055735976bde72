import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { dialectOf, execute, fromDbTime, insertIgnore, toDbTime } from '../database/dialect.js';
import type { ScanResult } from './scan.types.js';

/** A barcode at a station: the key of a scan_record row. */
export interface ScanKey {
  stationCode: string;
  barcode: string;
}

/** A scan accepted earlier; `result` is null while its transaction has not committed it. */
export interface RememberedScan {
  result: ScanResult | null;
  scannedAt: Date;
}

/** Older than any window: a row created by `ensure` can always be claimed. */
const NEVER = '1970-01-01 00:00:00.000';

/** The scan_record table: per station and barcode, the last accepted scan and its result. */
@Injectable()
export class ScanRecordRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates the key's row, never scanned, unless it exists. Run twice it does the same. */
  async ensure(key: ScanKey): Promise<void> {
    await this.dataSource.query(
      `${insertIgnore(dialectOf(this.dataSource))} scan_record (station_code, barcode, scanned_at) VALUES (?, ?, ?)`,
      [key.stationCode, key.barcode, NEVER],
    );
  }

  /** Marks the key scanned at `now` if its last accepted scan is not after `lastBefore`; true when it did. */
  async claim(em: EntityManager, key: ScanKey, now: Date, lastBefore: Date): Promise<boolean> {
    const claimed = await execute(
      em,
      `UPDATE scan_record SET scanned_at = ? WHERE station_code = ? AND barcode = ? AND scanned_at <= ?`,
      [toDbTime(now), key.stationCode, key.barcode, toDbTime(lastBefore)],
    );
    return claimed === 1;
  }

  async remember(em: EntityManager, key: ScanKey, result: ScanResult): Promise<void> {
    await em.query(`UPDATE scan_record SET result = ?, token_id = ? WHERE station_code = ? AND barcode = ?`, [
      JSON.stringify(result),
      result.token?.id ?? null,
      key.stationCode,
      key.barcode,
    ]);
  }

  async last(key: ScanKey): Promise<RememberedScan | null> {
    const row = (
      await this.dataSource.query<Array<{ result: string | null; scanned_at: string | Date }>>(
        `SELECT result, scanned_at FROM scan_record WHERE station_code = ? AND barcode = ?`,
        [key.stationCode, key.barcode],
      )
    ).at(0);
    if (!row) return null;
    return {
      result: row.result ? (JSON.parse(row.result) as ScanResult) : null,
      scannedAt: fromDbTime(row.scanned_at),
    };
  }
}
