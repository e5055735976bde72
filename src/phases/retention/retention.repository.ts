import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RetentionCondition, RetentionPolicy } from '../../common/retention/retention-policy.js';
import { dialectOf, execute, fromDbTime, isMissingTable, toDbTime } from '../../database/dialect.js';
import { q } from '../backup/row-stream.js';

export interface TableFigures {
  /** Null when the table does not exist (its phase's schema is reverted). */
  rows: number | null;
  /** Bytes of the table and its indexes on disk, when the database tells. */
  bytes: number | null;
  /** The age of the row with the smallest key (keys grow with time); null when empty or ageless. */
  oldest: Date | null;
}

type Row = Record<string, unknown>;

/**
 * The statements of retention, built from a policy's declaration: which rows may go (older
 * than the cutoff and meeting every condition), their figures, and their deletion. Columns are
 * qualified by the table's own name, which DELETE accepts on SQLite, MySQL and MariaDB alike.
 */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async figures(policy: RetentionPolicy): Promise<TableFigures> {
    const t = q(policy.table);
    let n: number | string;
    try {
      [{ n }] = await this.dataSource.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM ${t}`);
    } catch (error) {
      if (isMissingTable(error)) return { rows: null, bytes: null, oldest: null };
      throw error;
    }
    const firsts = policy.age
      ? await this.dataSource.query<Array<{ at: string | Date | null }>>(
          `SELECT ${q(policy.age)} AS at FROM ${t} ORDER BY ${q(policy.key)} LIMIT 1`,
        )
      : [];
    return { rows: Number(n), bytes: await this.bytes(policy.table), oldest: fromDbTime(firsts.at(0)?.at) };
  }

  /** False while the owning phase's schema is reverted: a table that is not there holds nothing to purge. */
  async exists(policy: RetentionPolicy): Promise<boolean> {
    try {
      await this.dataSource.query(`SELECT 1 FROM ${q(policy.table)} LIMIT 1`);
      return true;
    } catch (error) {
      if (isMissingTable(error)) return false;
      throw error;
    }
  }

  /** Up to `limit` whole rows that may go, in key order after `after` (keyset paging). */
  async eligible(policy: RetentionPolicy, cutoff: Date, after: unknown, limit: number): Promise<Row[]> {
    const { where, params } = this.eligibility(policy, cutoff);
    const from = after === undefined ? '' : ` AND ${this.column(policy, policy.key)} > ?`;
    return this.dataSource.query<Row[]>(
      `SELECT * FROM ${q(policy.table)} WHERE ${where}${from} ORDER BY ${q(policy.key)} LIMIT ${limit}`,
      after === undefined ? params : [...params, after],
    );
  }

  /** How many rows may go now. */
  async countEligible(policy: RetentionPolicy, cutoff: Date): Promise<number> {
    const { where, params } = this.eligibility(policy, cutoff);
    const [{ n }] = await this.dataSource.query<Array<{ n: number | string }>>(
      `SELECT COUNT(*) AS n FROM ${q(policy.table)} WHERE ${where}`,
      params,
    );
    return Number(n);
  }

  /**
   * Deletes the rows of `keys` that still may go: the condition is checked again in the same
   * statement, so a row that changed or became referenced since it was archived stays.
   */
  deleteEligible(manager: EntityManager, policy: RetentionPolicy, cutoff: Date, keys: unknown[]): Promise<number> {
    const { where, params } = this.eligibility(policy, cutoff);
    return execute(
      manager,
      `DELETE FROM ${q(policy.table)} WHERE ${this.column(policy, policy.key)} IN (${keys.map(() => '?').join(', ')}) AND ${where}`,
      [...keys, ...params],
    );
  }

  private eligibility(policy: RetentionPolicy, cutoff: Date): { where: string; params: unknown[] } {
    const parts = policy.age ? [`${this.column(policy, policy.age)} < ?`] : ['1 = 1'];
    const params: unknown[] = policy.age ? [toDbTime(cutoff)] : [];
    for (const condition of policy.only) {
      const sql = conditionSql(policy, condition, cutoff);
      parts.push(sql.text);
      params.push(...sql.params);
    }
    return { where: parts.join(' AND '), params };
  }

  private column(policy: RetentionPolicy, column: string): string {
    return `${q(policy.table)}.${q(column)}`;
  }

  private async bytes(table: string): Promise<number | null> {
    try {
      const rows =
        dialectOf(this.dataSource) === 'mysql'
          ? await this.dataSource.query<Array<{ b: number | string | null }>>(
              `SELECT DATA_LENGTH + INDEX_LENGTH AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
              [table],
            )
          : await this.dataSource.query<Array<{ b: number | string | null }>>(
              `SELECT SUM(pgsize) AS b FROM dbstat WHERE name = ? OR tbl_name = ?`,
              [table, table],
            );
      const b = rows.at(0)?.b;
      return b === null || b === undefined ? null : Number(b);
    } catch {
      // a SQLite built without the dbstat table: the size is unknown, the rest still holds
      return null;
    }
  }
}

function conditionSql(
  policy: RetentionPolicy,
  condition: RetentionCondition,
  cutoff: Date,
): { text: string; params: unknown[] } {
  const own = (column: string) => `${q(policy.table)}.${q(column)}`;
  const list = (values: readonly string[]) => values.map(() => '?').join(', ');
  switch (condition.kind) {
    case 'finishedParent':
      // no parent, or one finished before the cutoff: never the history of open or recent work
      return {
        text: `NOT EXISTS (SELECT 1 FROM ${q(condition.parent)} p WHERE p.id = ${own(condition.column)} AND (p.${q(condition.status)} NOT IN (${list(condition.finished)}) OR p.${q(condition.changedAt)} >= ?))`,
        params: [...condition.finished, toDbTime(cutoff)],
      };
    case 'statusNot':
      return { text: `${own(condition.column)} NOT IN (${list(condition.values)})`, params: [...condition.values] };
    case 'unreferenced':
      // an equality on the referencing table's index: one probe per row, at any size of that table
      return {
        text: `NOT EXISTS (SELECT 1 FROM ${q(condition.by.table)} r WHERE r.${q(condition.by.column)} = ${own(policy.key)})`,
        params: [],
      };
  }
}
