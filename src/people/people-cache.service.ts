import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, MoreThan, type EntityManager, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { fromDbTime } from '../database/dialect.js';
import { PeopleAvailability } from './entities/people-availability.entity.js';
import { PeopleOperator } from './entities/people-operator.entity.js';
import { PeopleTeam } from './entities/people-team.entity.js';

export type CacheTable = 'people_operator_cache' | 'people_team_cache' | 'people_availability_cache';
export type CacheFreshness = 'fresh' | 'stale' | 'empty';

export interface CacheState {
  table: CacheTable;
  rows: number;
  /** The oldest row's last fetch or confirmation. */
  fetchedAt: Date | null;
  /** When the first row expires (or expired). */
  expiresAt: Date | null;
  ageMs: number | null;
  state: CacheFreshness;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Reads of the caches: pages for the API, freshness for the status API and the directory. */
@Injectable()
export class PeopleCacheService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async state(table: CacheTable, now = new Date()): Promise<CacheState> {
    const [row] = await this.dataSource.query(`SELECT COUNT(*) AS n, MIN(fetched_at) AS fetched, MIN(expires_at) AS expires FROM ${table}`);
    const rows = Number(row.n);
    const fetchedAt = fromDbTime(row.fetched);
    const expiresAt = fromDbTime(row.expires);
    const state: CacheFreshness = rows === 0 ? 'empty' : expiresAt! > now ? 'fresh' : 'stale';
    return { table, rows, fetchedAt, expiresAt, ageMs: fetchedAt ? now.getTime() - fetchedAt.getTime() : null, state };
  }

  /**
   * When the first row of `table` expires (or expired), null when it is empty: one indexed MIN,
   * for the directory's hot path. `db`: the caller's transaction, when it holds one.
   */
  async firstExpiry(table: CacheTable, db: Pick<EntityManager, 'query'> = this.dataSource): Promise<Date | null> {
    const [row] = await db.query(`SELECT MIN(expires_at) AS expires FROM ${table}`);
    return fromDbTime(row?.expires ?? null);
  }

  operators(filter: { active?: boolean; employeeNo?: string }, cursor: string | undefined, limit: number): Promise<Page<PeopleOperator>> {
    const where: FindOptionsWhere<PeopleOperator> = {};
    if (filter.active !== undefined) where.active = filter.active;
    if (filter.employeeNo) where.employeeNo = filter.employeeNo;
    return this.page(PeopleOperator, where, cursor, limit);
  }

  teams(cursor: string | undefined, limit: number): Promise<Page<PeopleTeam>> {
    return this.page(PeopleTeam, {}, cursor, limit);
  }

  /** Entries overlapping [from, to), for one operator or all. */
  availability(filter: { operatorId?: string; from?: Date; to?: Date }, cursor: string | undefined, limit: number): Promise<Page<PeopleAvailability>> {
    const where: FindOptionsWhere<PeopleAvailability> = {};
    if (filter.operatorId) where.operatorId = filter.operatorId;
    if (filter.from) where.endsAt = MoreThan(filter.from);
    if (filter.to) where.startsAt = LessThan(filter.to);
    return this.page(PeopleAvailability, where, cursor, limit);
  }

  /** Keyset pages by id, so paging never skips or repeats a row while a sync writes. */
  private async page<T extends ObjectLiteral & { id: string }>(entity: new () => T, where: FindOptionsWhere<T>, cursor: string | undefined, limit: number): Promise<Page<T>> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await this.dataSource.getRepository(entity).find({
      where: { ...where, ...(after !== undefined ? { id: MoreThan(after) } : {}) } as FindOptionsWhere<T>,
      order: { id: 'ASC' } as never,
      take: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
  }
}

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')).after;
    if (typeof after === 'string') return after;
  } catch {
    // falls through to the validation error
  }
  throw DomainError.validation([{ field: 'cursor', messages: ['cursor is not one this API returned'] }]);
}
