import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { q } from '../backup/row-stream.js';
import { GuardItem, GuardReport, inspectSchemaDrop, PhaseSchema } from '../guard/migration-guard.js';

/** A guard item with its real row count, which the dry run shows; null when it does not exist. */
export type InspectedItem = GuardItem & { rows: number | null };

/** The rollback's reads of a phase's tables: the guard's verdict and, for the planner, the row counts. */
@Injectable()
export class RollbackPlanRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * On one connection, released before the planner asks the pool for anything else: holding
   * it while waiting for another could hang a small pool.
   */
  async inspect(schema: PhaseSchema, options: { checkBackups: boolean }): Promise<InspectedItem[]> {
    const qr = this.dataSource.createQueryRunner();
    try {
      const report = await inspectSchemaDrop(qr, schema, options);
      const items: InspectedItem[] = [];
      for (const item of report.items) items.push({ ...item, rows: item.exists ? await countRows(qr, item) : null });
      return items;
    } finally {
      await qr.release();
    }
  }

  /** The guard's verdict alone, on a connection of its own likewise. */
  async guardReport(schema: PhaseSchema, options: { checkBackups: boolean }): Promise<GuardReport> {
    const qr = this.dataSource.createQueryRunner();
    try {
      return await inspectSchemaDrop(qr, schema, options);
    } finally {
      await qr.release();
    }
  }
}

/** The dry run shows real row counts; the guard itself never counts. */
async function countRows(qr: QueryRunner, item: GuardItem): Promise<number> {
  const where = item.column ? ` WHERE ${q(item.column)} IS NOT NULL` : '';
  // COUNT(*) comes back as a number, a bigint or a string, depending on the driver
  const [row] = (await qr.query(`SELECT COUNT(*) AS n FROM ${q(item.table)}${where}`)) as [{ n: unknown }];
  return Number(row.n);
}
