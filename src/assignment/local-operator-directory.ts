import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, type EntityManager } from 'typeorm';
import type { Environment } from '../config/environment.js';
import { toDbTime } from '../database/dialect.js';
import { localMoment, unavailableAt, type Rule } from './availability.js';
import type { DirectoryOperator, DirectoryRead, DirectoryTeam, OperatorDirectory, Unavailability } from './operator-directory.js';

type Row = Record<string, unknown>;
const placeholders = (ids: readonly number[]) => ids.map(() => '?').join(', ');
const RULE_COLUMNS = 'weekday, on_date, start_minute, end_minute, available';

/**
 * The directory when the People integration is off or its caches are empty or expired: the local `account`, `team` and
 * `team_member` tables, plus Phase 7's availability and leave tables. One query per call.
 * Local teams have no active flag: a team stops working through its availability.
 */
@Injectable()
export class LocalOperatorDirectory implements OperatorDirectory {
  readonly source = 'local';
  private readonly timeZone: string;

  constructor(
    private readonly dataSource: DataSource,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('ASSIGNMENT_TIMEZONE', { infer: true });
  }

  async operators(accountIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryOperator>> {
    if (accountIds.length === 0) return new Map();
    const rows: Row[] = await this.db(read).query(`SELECT id, code, name, active, skills FROM account WHERE id IN (${placeholders(accountIds)})`, accountIds);
    return new Map(
      rows.map((r) => [
        Number(r.id),
        { accountId: Number(r.id), code: String(r.code), name: String(r.name), active: Boolean(Number(r.active)), skills: JSON.parse(String(r.skills ?? '[]')) as string[] },
      ]),
    );
  }

  async teams(teamIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryTeam>> {
    if (teamIds.length === 0) return new Map();
    const rows: Row[] = await this.db(read).query(
      `SELECT t.id, t.code, t.name, m.account_id FROM team t LEFT JOIN team_member m ON m.team_id = t.id WHERE t.id IN (${placeholders(teamIds)}) ORDER BY t.id, m.account_id`,
      teamIds,
    );
    const teams = new Map<number, DirectoryTeam>();
    for (const r of rows) {
      const id = Number(r.id);
      const team = teams.get(id) ?? teams.set(id, { teamId: id, code: String(r.code), name: String(r.name), active: true, memberAccountIds: [] }).get(id)!;
      if (r.account_id !== null) team.memberAccountIds.push(Number(r.account_id));
    }
    return teams;
  }

  /** Availability rules and approved leave in one round trip. */
  async operatorUnavailability(accountIds: number[], at: Date, read?: DirectoryRead): Promise<Map<number, Unavailability[]>> {
    if (accountIds.length === 0) return new Map();
    const moment = localMoment(at, this.timeZone);
    const time = toDbTime(at);
    const rows: Row[] = await this.db(read).query(
      `SELECT account_id AS subject, 0 AS leave_id, ${RULE_COLUMNS} FROM operator_availability
         WHERE account_id IN (${placeholders(accountIds)}) AND (on_date IS NULL OR on_date = ?)
       UNION ALL
       SELECT account_id, id, NULL, NULL, 0, 0, 0 FROM leave_request
         WHERE account_id IN (${placeholders(accountIds)}) AND status = 'approved' AND starts_at <= ? AND ends_at > ?`,
      [...accountIds, moment.date, ...accountIds, time, time],
    );
    const result = this.evaluate(rows.filter((r) => Number(r.leave_id) === 0), moment);
    for (const r of rows.filter((r) => Number(r.leave_id) !== 0)) {
      const subject = Number(r.subject);
      const list = result.get(subject) ?? result.set(subject, []).get(subject)!;
      list.push({ reason: 'on_leave', detail: `leave request ${Number(r.leave_id)}` });
    }
    return result;
  }

  async teamUnavailability(teamIds: number[], at: Date, read?: DirectoryRead): Promise<Map<number, Unavailability[]>> {
    if (teamIds.length === 0) return new Map();
    const moment = localMoment(at, this.timeZone);
    const rows: Row[] = await this.db(read).query(
      `SELECT team_id AS subject, ${RULE_COLUMNS} FROM team_availability WHERE team_id IN (${placeholders(teamIds)}) AND (on_date IS NULL OR on_date = ?)`,
      [...teamIds, moment.date],
    );
    const result = this.evaluate(rows, moment);
    for (const list of result.values()) for (const u of list) u.reason = 'team_unavailable';
    return result;
  }

  private evaluate(rows: Row[], moment: ReturnType<typeof localMoment>): Map<number, Unavailability[]> {
    const rules = new Map<number, Rule[]>();
    for (const r of rows) {
      const subject = Number(r.subject);
      const list = rules.get(subject) ?? rules.set(subject, []).get(subject)!;
      list.push({
        weekday: r.weekday === null ? null : Number(r.weekday),
        onDate: r.on_date === null ? null : String(r.on_date),
        startMinute: Number(r.start_minute),
        endMinute: Number(r.end_minute),
        available: Boolean(Number(r.available)),
      });
    }
    const result = new Map<number, Unavailability[]>();
    for (const [subject, list] of rules) {
      const why = unavailableAt(list, moment);
      if (why) result.set(subject, [why]);
    }
    return result;
  }

  /** Where a call with something to read runs; it answers that call. */
  private db(read?: DirectoryRead): Pick<EntityManager, 'query'> {
    read?.answeredBy?.add(this.source);
    return read?.db ?? this.dataSource;
  }
}
