import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { fromDbTime, toDbTime } from '../database/dialect.js';

/** Where a read runs: the caller's transaction when it holds one, else the pool. */
export type Db = Pick<EntityManager, 'query'>;

/** A local account or team: what the People caches are matched to. */
export interface LocalRef {
  id: number;
  code: string;
}

export interface CachedOperator {
  id: string;
  employeeNo: string;
  name: string | null;
  active: boolean;
  skills: string[];
}

export interface CachedTeam {
  id: string;
  code: string;
  name: string;
  active: boolean;
}

const IN_CHUNK = 500;

/** The People directory's reads: the caches, and the local accounts and teams they are matched to. */
@Injectable()
export class PeopleDirectoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async accounts(db: Db, ids: number[]): Promise<LocalRef[]> {
    return (await selectIn<LocalRef>(db, `SELECT id, code FROM account WHERE id IN`, ids)).map((a) => ({
      id: a.id,
      code: a.code,
    }));
  }

  async teams(db: Db, ids: number[]): Promise<LocalRef[]> {
    return (await selectIn<LocalRef>(db, `SELECT id, code FROM team WHERE id IN`, ids)).map((t) => ({
      id: t.id,
      code: t.code,
    }));
  }

  async operatorsByEmployeeNo(db: Db, employeeNos: string[]): Promise<CachedOperator[]> {
    const rows = await selectIn<{
      id: string;
      employee_no: string;
      name: string | null;
      active: number | boolean;
      skills: string;
    }>(db, `SELECT id, employee_no, name, active, skills FROM people_operator_cache WHERE employee_no IN`, employeeNos);
    return rows.map((p) => ({
      id: p.id,
      employeeNo: p.employee_no,
      name: p.name,
      active: Boolean(p.active),
      skills: JSON.parse(p.skills) as string[],
    }));
  }

  async teamsByCode(db: Db, codes: string[]): Promise<CachedTeam[]> {
    const rows = await selectIn<{ id: string; code: string; name: string; active: number | boolean }>(
      db,
      `SELECT id, code, name, active FROM people_team_cache WHERE code IN`,
      codes,
    );
    return rows.map((t) => ({ id: t.id, code: t.code, name: t.name, active: Boolean(t.active) }));
  }

  /** The local accounts of the cached operators listed in People's team `peopleTeamId`. */
  async memberAccountIds(db: Db, peopleTeamId: string): Promise<number[]> {
    // team_ids is a JSON array of strings, so the quoted id matches whole ids only
    const members: Array<{ employee_no: string }> = await db.query(
      `SELECT employee_no FROM people_operator_cache WHERE team_ids LIKE ? ESCAPE '!'`,
      [`%${likeEscape(JSON.stringify(peopleTeamId))}%`],
    );
    const accounts = await selectIn<{ id: number }>(
      db,
      `SELECT id FROM account WHERE code IN`,
      members.map((m) => m.employee_no),
    );
    return accounts.map((a) => a.id);
  }

  /** The span the availability cache was fetched for; nulls when it is empty. */
  async availabilityWindow(db: Db): Promise<{ start: Date | null; end: Date | null }> {
    const window = (
      await db.query<Array<{ s: string | Date | null; e: string | Date | null }>>(
        `SELECT MIN(window_start) AS s, MAX(window_end) AS e FROM people_availability_cache`,
      )
    ).at(0);
    return { start: fromDbTime(window?.s ?? null), end: fromDbTime(window?.e ?? null) };
  }

  /** The availability entries of `operatorIds` (People ids) covering `at`. */
  async covering(db: Db, operatorIds: string[], at: Date): Promise<Array<{ operatorId: string; kind: string }>> {
    const time = toDbTime(at);
    const rows = await selectIn<{ operator_id: string; kind: string }>(
      db,
      `SELECT operator_id, kind FROM people_availability_cache WHERE starts_at <= ? AND ends_at > ? AND operator_id IN`,
      operatorIds,
      [time, time],
    );
    return rows.map((r) => ({ operatorId: r.operator_id, kind: r.kind }));
  }

  /** The local account table, which answers while the People caches do not. */
  async localAccountCounts(): Promise<{ total: number; active: number }> {
    const [row] = await this.dataSource.query<Array<{ n: number | string; active: number | string | null }>>(
      `SELECT COUNT(*) AS n, SUM(CASE WHEN active = ? THEN 1 ELSE 0 END) AS active FROM account`,
      [1],
    );
    return { total: Number(row.n), active: Number(row.active ?? 0) };
  }
}

/** `sql` ends with `IN`; runs it over `values` in chunks, `before` binding the placeholders ahead of the list. */
async function selectIn<T>(db: Db, sql: string, values: Array<string | number>, before: unknown[] = []): Promise<T[]> {
  const unique = [...new Set(values)];
  const rows: T[] = [];
  for (let k = 0; k < unique.length; k += IN_CHUNK) {
    const part = unique.slice(k, k + IN_CHUNK);
    rows.push(...(await db.query<T[]>(`${sql} (${part.map(() => '?').join(', ')})`, [...before, ...part])));
  }
  return rows;
}

function likeEscape(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}
