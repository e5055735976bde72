import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, MoreThan, type EntityManager, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';
import { fromDbTime } from '../database/dialect.js';
import { PeopleAvailability } from './entities/people-availability.entity.js';
import { PeopleOperator } from './entities/people-operator.entity.js';
import { PeopleTeam } from './entities/people-team.entity.js';

export type CacheTable = 'people_operator_cache' | 'people_team_cache' | 'people_availability_cache';

/** A cache's size and the span of its stamps. */
export interface CacheSummary {
  rows: number;
  /** The oldest row's last fetch or confirmation. */
  fetchedAt: Date | null;
  /** When the first row expires (or expired). */
  expiresAt: Date | null;
}

/** What the operator cache says of past syncs. */
export interface SyncMarks {
  /** When the last full sync started; null before the first. */
  lastFull: Date | null;
  /** The newest `updated_at` upstream among the cached operators. */
  watermark: Date | null;
}

/** Reads of the People caches: their freshness, their pages, and the marks the next sync plans from. */
@Injectable()
export class PeopleCacheRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async summary(table: CacheTable): Promise<CacheSummary> {
    const [row] = await this.dataSource.query<
      Array<{ n: number | string; fetched: string | Date | null; expires: string | Date | null }>
    >(`SELECT COUNT(*) AS n, MIN(fetched_at) AS fetched, MIN(expires_at) AS expires FROM ${table}`);
    return { rows: Number(row.n), fetchedAt: fromDbTime(row.fetched), expiresAt: fromDbTime(row.expires) };
  }

  /**
   * When the first row of `table` expires (or expired), null when it is empty: one indexed MIN,
   * for the directory's hot path. `db`: the caller's transaction, when it holds one.
   */
  async firstExpiry(table: CacheTable, db: Pick<EntityManager, 'query'> = this.dataSource): Promise<Date | null> {
    const row = (
      await db.query<Array<{ expires: string | Date | null }>>(`SELECT MIN(expires_at) AS expires FROM ${table}`)
    ).at(0);
    return fromDbTime(row?.expires ?? null);
  }

  async syncMarks(): Promise<SyncMarks> {
    // one MAX per subquery: each is then a single seek on its index, where one SELECT of both scans the table
    const row = (
      await this.dataSource.query<Array<{ last_full: string | Date | null; watermark: string | Date | null }>>(
        `SELECT (SELECT MAX(full_synced_at) FROM people_operator_cache) AS last_full, (SELECT MAX(source_updated_at) FROM people_operator_cache) AS watermark`,
      )
    ).at(0);
    return { lastFull: fromDbTime(row?.last_full ?? null), watermark: fromDbTime(row?.watermark ?? null) };
  }

  /** Operators by id after `afterId`, `take` of them. */
  operators(
    filter: { active?: boolean; employeeNo?: string },
    afterId: string | undefined,
    take: number,
  ): Promise<PeopleOperator[]> {
    const where: FindOptionsWhere<PeopleOperator> = {};
    if (filter.active !== undefined) where.active = filter.active;
    if (filter.employeeNo) where.employeeNo = filter.employeeNo;
    return this.page(PeopleOperator, where, afterId, take);
  }

  teams(afterId: string | undefined, take: number): Promise<PeopleTeam[]> {
    return this.page(PeopleTeam, {}, afterId, take);
  }

  /** Entries overlapping [from, to), for one operator or all. */
  availability(
    filter: { operatorId?: string; from?: Date; to?: Date },
    afterId: string | undefined,
    take: number,
  ): Promise<PeopleAvailability[]> {
    const where: FindOptionsWhere<PeopleAvailability> = {};
    if (filter.operatorId) where.operatorId = filter.operatorId;
    if (filter.from) where.endsAt = MoreThan(filter.from);
    if (filter.to) where.startsAt = LessThan(filter.to);
    return this.page(PeopleAvailability, where, afterId, take);
  }

  private page<T extends ObjectLiteral & { id: string }>(
    entity: new () => T,
    where: FindOptionsWhere<T>,
    afterId: string | undefined,
    take: number,
  ): Promise<T[]> {
    return this.dataSource.getRepository(entity).find({
      where: { ...where, ...(afterId !== undefined ? { id: MoreThan(afterId) } : {}) } as FindOptionsWhere<T>,
      order: { id: 'ASC' } as never,
      take,
    });
  }
}
