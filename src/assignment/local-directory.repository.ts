import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { toDbTime } from '../database/dialect.js';
import type { Rule } from './availability.js';
import { RULE_COLUMNS, toRule, type RuleRow } from './availability.repository.js';
import type { DirectoryOperator, DirectoryTeam } from './operator-directory.js';

type Row = Record<string, unknown>;
const placeholders = (ids: readonly number[]) => ids.map(() => '?').join(', ');

/** Subjects' rules that apply on a date, and operators' approved leave at a moment. */
export interface OperatorAbsences {
  rules: Map<number, Rule[]>;
  leave: Array<{ accountId: number; leaveId: number }>;
}

/**
 * The local directory's reads: `account`, `team` and `team_member`, and Phase 7's availability
 * and leave tables. One query per method, on the caller's transaction when `db` is given.
 */
@Injectable()
export class LocalDirectoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async operators(db: EntityManager | undefined, accountIds: readonly number[]): Promise<DirectoryOperator[]> {
    const rows = await (db ?? this.dataSource).query<
      Array<{ id: number; code: string; name: string; active: number | boolean; skills: string | null }>
    >(`SELECT id, code, name, active, skills FROM account WHERE id IN (${placeholders(accountIds)})`, [...accountIds]);
    return rows.map((r) => ({
      accountId: r.id,
      code: r.code,
      name: r.name,
      active: Boolean(Number(r.active)),
      skills: JSON.parse(r.skills ?? '[]') as string[],
    }));
  }

  /** Local teams have no active flag: a team stops working through its availability. */
  async teams(db: EntityManager | undefined, teamIds: readonly number[]): Promise<Map<number, DirectoryTeam>> {
    const rows: Row[] = await (db ?? this.dataSource).query(
      `SELECT t.id, t.code, t.name, m.account_id FROM team t LEFT JOIN team_member m ON m.team_id = t.id WHERE t.id IN (${placeholders(teamIds)}) ORDER BY t.id, m.account_id`,
      [...teamIds],
    );
    const teams = new Map<number, DirectoryTeam>();
    for (const r of rows) {
      const id = Number(r.id);
      let team = teams.get(id);
      if (!team)
        teams.set(
          id,
          (team = { teamId: id, code: String(r.code), name: String(r.name), active: true, memberAccountIds: [] }),
        );
      if (r.account_id !== null) team.memberAccountIds.push(Number(r.account_id));
    }
    return teams;
  }

  /** The operators' weekly rules and the exceptions dated `date`, and their approved leave covering `at`, in one round trip. */
  async operatorAbsences(
    db: EntityManager | undefined,
    accountIds: readonly number[],
    date: string,
    at: Date,
  ): Promise<OperatorAbsences> {
    const time = toDbTime(at);
    const rows: RuleRow[] = await (db ?? this.dataSource).query(
      `SELECT account_id AS subject, 0 AS leave_id, ${RULE_COLUMNS} FROM operator_availability
         WHERE account_id IN (${placeholders(accountIds)}) AND (on_date IS NULL OR on_date = ?)
       UNION ALL
       SELECT account_id, id, NULL, NULL, 0, 0, 0 FROM leave_request
         WHERE account_id IN (${placeholders(accountIds)}) AND status = 'approved' AND starts_at <= ? AND ends_at > ?`,
      [...accountIds, date, ...accountIds, time, time],
    );
    return {
      rules: bySubject(rows.filter((r) => Number(r.leave_id) === 0)),
      leave: rows
        .filter((r) => Number(r.leave_id) !== 0)
        .map((r) => ({ accountId: Number(r.subject), leaveId: Number(r.leave_id) })),
    };
  }

  /** The teams' weekly rules and the exceptions dated `date`. */
  async teamRules(
    db: EntityManager | undefined,
    teamIds: readonly number[],
    date: string,
  ): Promise<Map<number, Rule[]>> {
    const rows: RuleRow[] = await (db ?? this.dataSource).query(
      `SELECT team_id AS subject, ${RULE_COLUMNS} FROM team_availability WHERE team_id IN (${placeholders(teamIds)}) AND (on_date IS NULL OR on_date = ?)`,
      [...teamIds, date],
    );
    return bySubject(rows);
  }
}

function bySubject(rows: RuleRow[]): Map<number, Rule[]> {
  const rules = new Map<number, Rule[]>();
  for (const r of rows) {
    const subject = Number(r.subject);
    let list = rules.get(subject);
    if (!list) rules.set(subject, (list = []));
    list.push(toRule(r));
  }
  return rules;
}
