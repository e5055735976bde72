import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import type { PeopleAvailability } from './entities/people-availability.entity.js';
import type { PeopleOperator } from './entities/people-operator.entity.js';
import type { PeopleTeam } from './entities/people-team.entity.js';
import { PeopleCacheRepository, type CacheTable } from './people-cache.repository.js';

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

/** Reads of the caches: pages for the API, freshness for the status API. */
@Injectable()
export class PeopleCacheService {
  constructor(private readonly repository: PeopleCacheRepository) {}

  async state(table: CacheTable, now = new Date()): Promise<CacheState> {
    const { rows, fetchedAt, expiresAt } = await this.repository.summary(table);
    const state: CacheFreshness = rows === 0 ? 'empty' : expiresAt && expiresAt > now ? 'fresh' : 'stale';
    return { table, rows, fetchedAt, expiresAt, ageMs: fetchedAt ? now.getTime() - fetchedAt.getTime() : null, state };
  }

  async operators(
    filter: { active?: boolean; employeeNo?: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<PeopleOperator>> {
    return page(await this.repository.operators(filter, after(cursor), limit + 1), limit);
  }

  async teams(cursor: string | undefined, limit: number): Promise<Page<PeopleTeam>> {
    return page(await this.repository.teams(after(cursor), limit + 1), limit);
  }

  /** Entries overlapping [from, to), for one operator or all. */
  async availability(
    filter: { operatorId?: string; from?: Date; to?: Date },
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<PeopleAvailability>> {
    return page(await this.repository.availability(filter, after(cursor), limit + 1), limit);
  }
}

const after = (cursor: string | undefined) => (cursor === undefined ? undefined : decodeCursor(cursor));

/** Keyset pages by id (`rows`: up to one more than `limit`), so paging never skips or repeats a row while a sync writes. */
function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
}

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const c: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof c === 'object' && c !== null && 'after' in c && typeof c.after === 'string') return c.after;
  } catch {
    // falls through to the validation error
  }
  throw DomainError.validation([{ field: 'cursor', messages: ['cursor is not one this API returned'] }]);
}
