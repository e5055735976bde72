import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { dialectOf, execute, insertChunkRows, toDbTime, upsertStatement } from '../database/dialect.js';
import type { AvailabilityRecord, OperatorRecord, TeamRecord } from './people-records.js';
import { inTransaction } from '../database/transaction.js';

export interface WriteResult {
  upserted: number;
  /** Operators or teams gone upstream and now inactive (full runs), or availability rows gone. */
  retired: number;
}

interface Stamp {
  fetchedAt: Date;
  expiresAt: Date;
}

const ID_CHUNK = 500;
const OPERATOR_COLUMNS = ['id', 'employee_no', 'name', 'email', 'phone', 'national_id', 'team_ids', 'skills', 'active', 'source_updated_at', 'full_synced_at', 'fetched_at', 'expires_at'];
const TEAM_COLUMNS = ['id', 'code', 'name', 'active', 'fetched_at', 'expires_at'];
const AVAILABILITY_COLUMNS = ['id', 'operator_id', 'kind', 'starts_at', 'ends_at', 'window_start', 'window_end', 'fetched_at', 'expires_at'];

/**
 * Writes one run's worth of records into a cache, in a single transaction: readers see the
 * previous cache or the new one, never half of each, and a write that fails changes nothing.
 * Rows go in batches of multi-row upserts. Rows the run did not write are then settled in one
 * statement: confirmed (upstream said they did not change), retired (a
 * full run: they are gone upstream), or deleted (availability outside the new answer).
 */
@Injectable()
export class CacheWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * `fullSince`: start of this run when it is a full one (what it saw is stamped with it), else
   * null. `rejectedIds`: records upstream still has but the run refused: not gone, so not retired.
   */
  writeOperators(records: OperatorRecord[], rejectedIds: string[], stamp: Stamp, fullSince: Date | null): Promise<WriteResult> {
    const full = fullSince !== null;
    const fetched = toDbTime(stamp.fetchedAt);
    const expires = toDbTime(stamp.expiresAt);
    const rows = records.map((r) => [
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
      fullSince ? toDbTime(fullSince) : null,
      fetched,
      expires,
    ]);
    // an incremental run leaves full_synced_at alone: it did not see every operator
    const update = OPERATOR_COLUMNS.filter((c) => c !== 'id' && (full || c !== 'full_synced_at'));
    return inTransaction(this.dataSource, async (em) => {
      const upserted = await this.upsert(em, 'people_operator_cache', OPERATOR_COLUMNS, update, rows);
      const retired = full ? await this.retire(em, 'people_operator_cache', rejectedIds, stamp) : 0;
      await this.confirm(em, 'people_operator_cache', stamp);
      return { upserted, retired };
    });
  }

  writeTeams(records: TeamRecord[], rejectedIds: string[], stamp: Stamp): Promise<WriteResult> {
    const fetched = toDbTime(stamp.fetchedAt);
    const expires = toDbTime(stamp.expiresAt);
    const rows = records.map((r) => [r.id, r.code, r.name, r.active ? 1 : 0, fetched, expires]);
    return inTransaction(this.dataSource, async (em) => {
      const upserted = await this.upsert(em, 'people_team_cache', TEAM_COLUMNS, TEAM_COLUMNS.slice(1), rows);
      const retired = await this.retire(em, 'people_team_cache', rejectedIds, stamp);
      await this.confirm(em, 'people_team_cache', stamp);
      return { upserted, retired };
    });
  }

  writeAvailability(records: AvailabilityRecord[], window: { start: Date; end: Date }, stamp: Stamp): Promise<WriteResult> {
    const fetched = toDbTime(stamp.fetchedAt);
    const expires = toDbTime(stamp.expiresAt);
    const [start, end] = [toDbTime(window.start), toDbTime(window.end)];
    const rows = records.map((r) => [r.id, r.operatorId, r.kind, toDbTime(r.startsAt), toDbTime(r.endsAt), start, end, fetched, expires]);
    return inTransaction(this.dataSource, async (em) => {
      const upserted = await this.upsert(em, 'people_availability_cache', AVAILABILITY_COLUMNS, AVAILABILITY_COLUMNS.slice(1), rows);
      const retired = await execute(em, `DELETE FROM people_availability_cache WHERE fetched_at < ?`, [fetched]);
      return { upserted, retired };
    });
  }

  private async upsert(em: EntityManager, table: string, columns: string[], update: string[], rows: unknown[][]): Promise<number> {
    const dialect = dialectOf(em);
    const chunk = insertChunkRows(dialect, columns.length);
    for (let k = 0; k < rows.length; k += chunk) {
      const part = rows.slice(k, k + chunk);
      await em.query(upsertStatement(dialect, table, columns, ['id'], update, part.length), part.flat());
    }
    return rows.length;
  }

  /**
   * Rows this full run neither wrote nor saw (rejected records were seen: their last good copy
   * stays) are gone upstream: inactive from now on, counted once.
   */
  private async retire(em: EntityManager, table: string, rejectedIds: string[], stamp: Stamp): Promise<number> {
    const fetched = toDbTime(stamp.fetchedAt);
    for (let k = 0; k < rejectedIds.length; k += ID_CHUNK) {
      const part = rejectedIds.slice(k, k + ID_CHUNK);
      await em.query(`UPDATE ${table} SET fetched_at = ?, expires_at = ? WHERE id IN (${part.map(() => '?').join(', ')})`, [fetched, toDbTime(stamp.expiresAt), ...part]);
    }
    return execute(em, `UPDATE ${table} SET active = ? WHERE fetched_at < ? AND active = ?`, [0, fetched, 1]);
  }

  /**
   * The run succeeded, so what it did not rewrite is confirmed as of now: but only rows past
   * half their time to live are rewritten, so an incremental run touches a handful of rows
   * rather than the whole cache, and rows still never expire while runs succeed at least every
   * half TTL.
   */
  private async confirm(em: EntityManager, table: string, stamp: Stamp): Promise<void> {
    const halfLife = new Date((stamp.fetchedAt.getTime() + stamp.expiresAt.getTime()) / 2);
    await execute(em, `UPDATE ${table} SET fetched_at = ?, expires_at = ? WHERE expires_at < ?`, [toDbTime(stamp.fetchedAt), toDbTime(stamp.expiresAt), toDbTime(halfLife)]);
  }
}
