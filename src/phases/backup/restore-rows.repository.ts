import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { present } from '../../common/present.js';
import { dialectOf, execute, insertIgnore, toDbTime, upsertStatement } from '../../database/dialect.js';
import { q, type RowSet } from './row-stream.js';

/** A row as a backup file holds it (rowLine's encoding). */
export type BackupRow = Record<string, unknown>;

/** Column name -> its type in the live schema, lower case: how a backed-up value is decoded. */
export type ColumnTypes = ReadonlyMap<string, string>;

/**
 * The restore's writes, in the restore's transaction. Table and column names come from the
 * live schema (the row set), never from a manifest: a backup file supplies values only.
 */
@Injectable()
export class RestoreRowsRepository {
  async columnTypes(qr: QueryRunner, table: string): Promise<ColumnTypes> {
    const meta = present(await qr.getTable(table), `the live schema of table ${table}`);
    return new Map(meta.columns.map((c) => [c.name, c.type.toLowerCase()]));
  }

  /** Table rows by primary key: rows seeded again since take the backed-up values, and a second run changes nothing. */
  upsertRows(qr: QueryRunner, set: RowSet, rows: BackupRow[], types: ColumnTypes): Promise<number> {
    const dialect = dialectOf(qr);
    const update = set.columns.filter((c) => !set.key.includes(c));
    const sql = update.length
      ? upsertStatement(dialect, set.table, set.columns, set.key, update, rows.length)
      : `${insertIgnore(dialect)} ${q(set.table)} (${set.columns.map(q).join(', ')}) VALUES ${rows.map(() => `(${set.columns.map(() => '?').join(', ')})`).join(', ')}`;
    return execute(
      qr.manager,
      sql,
      rows.flatMap((r) => set.columns.map((c) => dbValue(r[c], types.get(c) ?? ''))),
    );
  }

  /** An owned column by row key, one UPDATE per batch: `SET col = CASE WHEN <key> THEN value ... END WHERE <key> OR ...`. */
  updateColumn(qr: QueryRunner, set: RowSet, rows: BackupRow[], types: ColumnTypes): Promise<number> {
    const column = present(set.column, `the owned column of the ${set.table} row set`);
    const toDb = (c: string, value: unknown) => dbValue(value, types.get(c) ?? '');
    const match = set.key.map((k) => `${q(k)} = ?`).join(' AND ');
    const keyOf = (r: BackupRow) => set.key.map((k) => toDb(k, r[k]));
    const sql = `UPDATE ${q(set.table)} SET ${q(column)} = CASE ${rows.map(() => `WHEN ${match} THEN ?`).join(' ')} END WHERE ${rows.map(() => `(${match})`).join(' OR ')}`;
    const params = [...rows.flatMap((r) => [...keyOf(r), toDb(column, r[column])]), ...rows.flatMap(keyOf)];
    return execute(qr.manager, sql, params);
  }
}

/** Undoes rowLine's encoding for the column's type. */
function dbValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object' && '$base64' in value)
    return Buffer.from((value as { $base64: string }).$base64, 'base64');
  if (typeof value === 'object') return JSON.stringify(value);
  // MySQL rows were read as Date and written as ISO strings; DATETIME wants 'YYYY-MM-DD HH:MM:SS.mmm'
  if (typeof value === 'string' && /date|time/.test(type) && /^\d{4}-\d\d-\d\dT.*Z$/.test(value))
    return toDbTime(new Date(value));
  return value;
}
