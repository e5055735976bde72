import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type QueryRunner } from 'typeorm';
import type { PhaseDefinition } from '../phase-definition.js';

export interface TableStatus {
  name: string;
  rebuildable: boolean;
  exists: boolean;
  rows: number | null;
}

export interface ColumnStatus {
  table: string;
  column: string;
  rebuildable: boolean;
  exists: boolean;
}

/** What of a phase's schema is in the database, and how many rows its tables hold. */
@Injectable()
export class PhaseStatusRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Read on one connection that is released before anything else asks the pool: statuses of
   * all phases run side by side, and each holding a connection while waiting for another
   * would hang a pool no larger than their number.
   */
  async schemaObjects(
    def: Pick<PhaseDefinition, 'tables' | 'columns'>,
  ): Promise<{ tables: TableStatus[]; columns: ColumnStatus[] }> {
    const qr = this.dataSource.createQueryRunner();
    try {
      const tables: TableStatus[] = [];
      for (const t of def.tables) {
        const exists = await qr.hasTable(t.name);
        const rows = exists ? await countRows(qr, t.name) : null;
        tables.push({ name: t.name, rebuildable: t.rebuildable, exists, rows });
      }
      const columns: ColumnStatus[] = [];
      for (const c of def.columns)
        columns.push({
          table: c.table,
          column: c.column,
          rebuildable: c.rebuildable,
          exists: await qr.hasColumn(c.table, c.column),
        });
      return { tables, columns };
    } finally {
      await qr.release();
    }
  }
}

async function countRows(qr: QueryRunner, table: string): Promise<number> {
  // COUNT(*) comes back as a number, a bigint or a string, depending on the driver
  const [row] = (await qr.query(`SELECT COUNT(*) AS n FROM ${table}`)) as [{ n: unknown }];
  return Number(row.n);
}
