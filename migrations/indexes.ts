import { QueryRunner, TableIndex } from 'typeorm';

/*
 * Index steps that can run again: a migration that stopped halfway, or an index a DBA already
 * added under the same name, must not fail the next up() or down(). Each reads the table
 * afresh, since an earlier step may have changed it behind the query runner's cache.
 */

export async function createIndexIfMissing(
  qr: QueryRunner,
  table: string,
  name: string,
  columnNames: string[],
): Promise<void> {
  if (!(await qr.getTable(table))?.indices.some((i) => i.name === name))
    await qr.createIndex(table, new TableIndex({ name, columnNames }));
}

/** Nothing to do when the table itself is gone (its owner's down() dropped it first). */
export async function dropIndexIfPresent(qr: QueryRunner, table: string, name: string): Promise<void> {
  const found = await qr.getTable(table);
  if (found) await qr.dropIndex(found, name, true);
}

export interface IndexShape {
  name: string;
  columns: string[];
}

/**
 * Swaps index `from` for `to` on `table`: `to` is built before `from` is dropped, so the
 * reads (and, on InnoDB, a foreign key) that either serves are never left without one. A
 * migration's down() swaps them back.
 */
export async function replaceIndex(qr: QueryRunner, table: string, from: IndexShape, to: IndexShape): Promise<void> {
  await createIndexIfMissing(qr, table, to.name, to.columns);
  await dropIndexIfPresent(qr, table, from.name);
}
