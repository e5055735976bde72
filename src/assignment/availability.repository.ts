import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { toDbTime } from '../database/dialect.js';
import type { Rule } from './availability.js';

export type Subject = 'operator' | 'team';

const TABLES: Record<Subject, { table: string; key: string; owner: string }> = {
  operator: { table: 'operator_availability', key: 'account_id', owner: 'account' },
  team: { table: 'team_availability', key: 'team_id', owner: 'team' },
};

/** The columns `toRule` maps, in the order a UNION with them must list them. */
export const RULE_COLUMNS = 'weekday, on_date, start_minute, end_minute, available';

/** A row with RULE_COLUMNS; `on_date` is a VARCHAR on both drivers. */
export type RuleRow = Record<string, unknown> & { on_date: string | null };

export function toRule(r: RuleRow): Rule {
  return {
    weekday: r.weekday === null ? null : Number(r.weekday),
    onDate: r.on_date,
    startMinute: Number(r.start_minute),
    endMinute: Number(r.end_minute),
    available: Boolean(Number(r.available)),
  };
}

/** The schedules of operators (operator_availability) and teams (team_availability), one rule a row. */
@Injectable()
export class AvailabilityRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether the operator's account or the team exists, on the caller's transaction when given. */
  async subjectExists(db: EntityManager | undefined, subject: Subject, id: number): Promise<boolean> {
    return (
      (
        await (db ?? this.dataSource).query<Array<{ id: number }>>(
          `SELECT id FROM ${TABLES[subject].owner} WHERE id = ?`,
          [id],
        )
      ).length > 0
    );
  }

  async replace(em: EntityManager, subject: Subject, id: number, rules: readonly Rule[]): Promise<void> {
    const { table, key } = TABLES[subject];
    await em.query(`DELETE FROM ${table} WHERE ${key} = ?`, [id]);
    const now = toDbTime(new Date());
    for (const r of rules) {
      await em.query(`INSERT INTO ${table} (${key}, ${RULE_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
        id,
        r.weekday,
        r.onDate,
        r.startMinute,
        r.endMinute,
        r.available ? 1 : 0,
        now,
      ]);
    }
  }

  /** The subject's rules in the order they were written. */
  async rules(subject: Subject, id: number): Promise<Rule[]> {
    const { table, key } = TABLES[subject];
    const rows: RuleRow[] = await this.dataSource.query(
      `SELECT ${RULE_COLUMNS} FROM ${table} WHERE ${key} = ? ORDER BY id`,
      [id],
    );
    return rows.map(toRule);
  }
}
