import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { yieldToEventLoop } from '../common/yield-to-event-loop.js';
import { dialectOf, execute, insertChunkRows, toDbTime, upsertStatement } from '../database/dialect.js';
import type { CacheTable } from './people-cache.repository.js';
import type { AvailabilityRecord, OperatorRecord, TeamRecord } from './people-records.js';

/** When a sync run's rows were fetched (or confirmed), and when they expire. */
export interface Stamp {
  fetchedAt: Date;
  expiresAt: Date;
}

const ID_CHUNK = 500;
/** people_operator_cache's columns, in the order operatorCacheRow gives its values. */
export const OPERATOR_COLUMNS = [
  'id',
  'employee_no',
  'name',
  'email',
  'phone',
  'national_id',
  'team_ids',
  'skills',
  'active',
  'source_updated_at',
  'full_synced_at',
  'fetched_at',
  'expires_at',
];
const TEAM_COLUMNS = ['id', 'code', 'name', 'active', 'fetched_at', 'expires_at'];
const AVAILABILITY_COLUMNS = [
  'id',
  'operator_id',
  'kind',
  'starts_at',
  'ends_at',
  'window_start',
  'window_end',
  'fetched_at',
  'expires_at',
];

/** A run's stamp in the form stored: formatted once per run, not once per row of a 20,000-row write. */
export interface StoredStamp {
  fullSyncedAt: string | null;
  fetchedAt: string;
  expiresAt: string;
}

export function storedStamp(stamp: Stamp, fullSince: Date | null): StoredStamp {
  return {
    fullSyncedAt: fullSince ? toDbTime(fullSince) : null,
    fetchedAt: toDbTime(stamp.fetchedAt),
    expiresAt: toDbTime(stamp.expiresAt),
  };
}

/** One operator's cache row, its values in OPERATOR_COLUMNS order. */
export function operatorCacheRow(r: OperatorRecord, stamp: StoredStamp): unknown[] {
  return [
    r.id,
    r.employeeNo,
    r.name,
    r.email,
    r.phone,
    r.nationalId,
    JSON.stringify(r.teamIds),
    JSON.stringify(r.skills),
    r.active ? 1 : 0,
    toDbTime(r.updatedAt),
    stamp.fullSyncedAt,
    stamp.fetchedAt,
    stamp.expiresAt,
  ];
}

/**
 * A sync run's writes to the People caches, each inside the caller's transaction: rows go in
 * batches of multi-row upserts, and the rows a run did not write are settled in one statement.
 */
@Injectable()
export class PeopleCacheWriteRepository {
  /**
   * Stamped with the run. `fullSince`: start of a full run (stored as the last full sync);
   * null for an incremental run, which leaves full_synced_at alone: it did not see every operator.
   */
  upsertOperators(em: EntityManager, records: OperatorRecord[], stamp: Stamp, fullSince: Date | null): Promise<number> {
    const stored = storedStamp(stamp, fullSince);
    const rows = records.map((r) => operatorCacheRow(r, stored));
    const update = OPERATOR_COLUMNS.filter((c) => c !== 'id' && (fullSince !== null || c !== 'full_synced_at'));
    return upsert(em, 'people_operator_cache', OPERATOR_COLUMNS, update, rows);
  }

  upsertTeams(em: EntityManager, records: TeamRecord[], stamp: Stamp): Promise<number> {
    const [fetched, expires] = [toDbTime(stamp.fetchedAt), toDbTime(stamp.expiresAt)];
    const rows = records.map((r) => [r.id, r.code, r.name, r.active ? 1 : 0, fetched, expires]);
    return upsert(em, 'people_team_cache', TEAM_COLUMNS, TEAM_COLUMNS.slice(1), rows);
  }

  /** Each entry stamped with the window the run asked for. */
  upsertAvailability(
    em: EntityManager,
    records: AvailabilityRecord[],
    window: { start: Date; end: Date },
    stamp: Stamp,
  ): Promise<number> {
    const [fetched, expires] = [toDbTime(stamp.fetchedAt), toDbTime(stamp.expiresAt)];
    const [start, end] = [toDbTime(window.start), toDbTime(window.end)];
    const rows = records.map((r) => [
      r.id,
      r.operatorId,
      r.kind,
      toDbTime(r.startsAt),
      toDbTime(r.endsAt),
      start,
      end,
      fetched,
      expires,
    ]);
    return upsert(em, 'people_availability_cache', AVAILABILITY_COLUMNS, AVAILABILITY_COLUMNS.slice(1), rows);
  }

  /** Availability rows this run did not write: gone from its answer. Returns how many. */
  removeUnwritten(em: EntityManager, stamp: Stamp): Promise<number> {
    return execute(em, `DELETE FROM people_availability_cache WHERE fetched_at < ?`, [toDbTime(stamp.fetchedAt)]);
  }

  /**
   * Rows this full run neither wrote nor saw (rejected records were seen: their last good copy
   * stays, restamped) are gone upstream: inactive from now on, counted once.
   */
  async retire(em: EntityManager, table: CacheTable, rejectedIds: string[], stamp: Stamp): Promise<number> {
    const fetched = toDbTime(stamp.fetchedAt);
    for (let k = 0; k < rejectedIds.length; k += ID_CHUNK) {
      if (k > 0) await yieldToEventLoop();
      const part = rejectedIds.slice(k, k + ID_CHUNK);
      await em.query(
        `UPDATE ${table} SET fetched_at = ?, expires_at = ? WHERE id IN (${part.map(() => '?').join(', ')})`,
        [fetched, toDbTime(stamp.expiresAt), ...part],
      );
    }
    return execute(em, `UPDATE ${table} SET active = ? WHERE fetched_at < ? AND active = ?`, [0, fetched, 1]);
  }

  /** Restamps the rows of `table` that expire before `before` with the run's stamp. */
  async confirm(em: EntityManager, table: CacheTable, stamp: Stamp, before: Date): Promise<void> {
    await execute(em, `UPDATE ${table} SET fetched_at = ?, expires_at = ? WHERE expires_at < ?`, [
      toDbTime(stamp.fetchedAt),
      toDbTime(stamp.expiresAt),
      toDbTime(before),
    ]);
  }
}

async function upsert(
  em: EntityManager,
  table: CacheTable,
  columns: string[],
  update: string[],
  rows: unknown[][],
): Promise<number> {
  const dialect = dialectOf(em);
  const chunk = insertChunkRows(dialect, columns.length);
  const statement = (count: number) => upsertStatement(dialect, table, columns, ['id'], update, count);
  const full = statement(chunk);
  // one batch ahead: the server writes batch k while this process prepares batch k + 1 (the
  // connection runs them in order, inside the transaction); a failure of either rolls back all
  let previous: Promise<unknown> = Promise.resolve();
  for (let k = 0; k < rows.length; k += chunk) {
    const count = Math.min(chunk, rows.length - k);
    const sent = em.query(count === chunk ? full : statement(count), valuesOf(rows, k, count));
    // awaited below, or abandoned when the batch before it failed: no unhandled rejection then
    sent.catch(() => undefined);
    await previous;
    previous = sent;
    // the transaction keeps the connection meanwhile (SQLite's gate queues other flows' statements),
    // but requests that need no database, /health/live first, are answered between batches
    await yieldToEventLoop();
  }
  await previous;
  return rows.length;
}

/** The values of rows[from, from + count), row after row: Array.prototype.flat takes ten times as long on 13,000 values. */
function valuesOf(rows: unknown[][], from: number, count: number): unknown[] {
  const values: unknown[] = [];
  for (let i = from; i < from + count; i++) for (const value of rows[i]) values.push(value);
  return values;
}
