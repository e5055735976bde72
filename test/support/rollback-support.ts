import type { DataSource, QueryRunner } from 'typeorm';
import { toDbTime } from '../../src/database/dialect.js';
import { describeRowSet, digestRows, Digest } from '../../src/phases/backup/row-stream.js';

/** `count` rows in sample_log (unicode, quotes and millisecond times included), 1000 per statement. */
export async function fillSampleLog(ds: DataSource, count: number, from = 0): Promise<void> {
  const base = Date.UTC(2026, 0, 1);
  for (let start = from; start < from + count; start += 1000) {
    const n = Math.min(1000, from + count - start);
    const params = Array.from({ length: n }, (_, i) => [
      `row ${start + i} “quoted” 'é' ✓`,
      toDbTime(new Date(base + (start + i) * 1001)),
    ]).flat();
    await ds.query(`INSERT INTO sample_log (note, created_at) VALUES ${Array(n).fill('(?, ?)').join(', ')}`, params);
  }
}

/** Digest of a table (or owned column) the same way the guard and the backup read it. */
export async function digest(ds: DataSource, table: string, column?: string): Promise<Digest | null> {
  const qr: QueryRunner = ds.createQueryRunner();
  try {
    const set = await describeRowSet(qr, table, column);
    return set ? await digestRows(qr, set) : null;
  } finally {
    await qr.release();
  }
}

export async function tableExists(ds: DataSource, table: string): Promise<boolean> {
  const qr = ds.createQueryRunner();
  try {
    return await qr.hasTable(table);
  } finally {
    await qr.release();
  }
}
