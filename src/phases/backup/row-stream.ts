import { createHash } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import type { Queryable } from '../../database/queryable.js';

/**
 * What one backup file holds: all rows of an owned table, or the non-null values of an owned
 * column with the primary key of their rows. Both the backup and the migration guard read
 * rows through this one description, so they see byte-identical lines.
 */
export interface RowSet {
  table: string;
  /** Set for an owned column: only rows where it is not null, as { ...key, column }. */
  column?: string;
  key: string[];
  columns: string[];
}

export const BATCH_ROWS = 5000;

/** Backticks quote identifiers on MySQL/MariaDB and SQLite alike. */
export const q = (name: string) => '`' + name.replace(/`/g, '``') + '`';

/**
 * The row set of a table or owned column, read from the live schema, without the table's
 * `derived` columns (see DerivedColumns); null when it does not exist.
 */
export async function describeRowSet(
  qr: QueryRunner,
  table: string,
  column?: string,
  derived: readonly string[] = [],
): Promise<RowSet | null> {
  const meta = await qr.getTable(table);
  if (!meta) return null;
  const key = meta.primaryColumns.map((c) => c.name);
  if (key.length === 0)
    throw new Error(`Table ${table} has no primary key; it cannot be backed up or checked row by row`);
  if (column === undefined)
    return { table, key, columns: meta.columns.map((c) => c.name).filter((c) => !derived.includes(c)) };
  if (!meta.columns.some((c) => c.name === column)) return null;
  return { table, column, key, columns: [...key, column] };
}

/**
 * Every row of the set in primary-key order, a batch at a time (keyset pagination: each query
 * starts after the last key seen), so a table of any size streams in bounded memory.
 */
export async function* readBatches(
  db: Queryable,
  set: RowSet,
  batchRows = BATCH_ROWS,
): AsyncGenerator<Array<Record<string, unknown>>> {
  const select = `SELECT ${set.columns.map(q).join(', ')} FROM ${q(set.table)}`;
  const order = `ORDER BY ${set.key.map(q).join(', ')} LIMIT ${batchRows}`;
  const notNull = set.column ? `${q(set.column)} IS NOT NULL` : null;
  let last: unknown[] | null = null;
  for (;;) {
    const conditions = [notNull, last ? afterKey(set.key) : null].filter(Boolean);
    const where = conditions.length ? `WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}` : '';
    const rows = (await db.query(`${select} ${where} ${order}`, last ? afterKeyParams(last) : [])) as Array<
      Record<string, unknown>
    >;
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batchRows) return;
    last = set.key.map((k) => rows[rows.length - 1][k]);
  }
}

/** `(a > ?) OR (a = ? AND b > ?) ...`: portable keyset condition for single and composite keys. */
function afterKey(key: string[]): string {
  return key
    .map((_, i) => '(' + [...key.slice(0, i).map((k) => `${q(k)} = ?`), `${q(key[i])} > ?`].join(' AND ') + ')')
    .join(' OR ');
}

function afterKeyParams(last: unknown[]): unknown[] {
  return last.flatMap((_, i) => [...last.slice(0, i), last[i]]);
}

/**
 * One row as one JSON line, columns in the set's order. Dates become ISO strings and bytes
 * base64, so the line is the same every time the same row is read.
 */
export function rowLine(row: Record<string, unknown>, columns: string[]): string {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[c];
    out[c] =
      v instanceof Date
        ? v.toISOString()
        : Buffer.isBuffer(v)
          ? { $base64: v.toString('base64') }
          : typeof v === 'bigint'
            ? v.toString()
            : v;
  }
  return JSON.stringify(out) + '\n';
}

export interface Digest {
  rows: number;
  sha256: string;
}

/** Row count and sha256 of the set's lines in key order: equal to the sha256 of its backup file. */
export async function digestRows(db: Queryable, set: RowSet): Promise<Digest> {
  const hash = createHash('sha256');
  let rows = 0;
  for await (const batch of readBatches(db, set)) {
    hash.update(batch.map((r) => rowLine(r, set.columns)).join(''));
    rows += batch.length;
  }
  return { rows, sha256: hash.digest('hex') };
}

/** True when the set has at least one row: one `LIMIT 1` probe, never a count. */
export async function holdsData(db: Queryable, table: string, column?: string): Promise<boolean> {
  const where = column ? ` WHERE ${q(column)} IS NOT NULL` : '';
  const rows = (await db.query(`SELECT 1 AS x FROM ${q(table)}${where} LIMIT 1`)) as Array<{ x: unknown }>;
  return rows.length > 0;
}
