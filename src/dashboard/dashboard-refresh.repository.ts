import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { yieldToEventLoop } from '../common/yield-to-event-loop.js';
import { deleteAtMost, dialectOf, execute, fromDbTime, insertIgnore, toDbTime } from '../database/dialect.js';
import { insertSelectWithoutLocks } from '../database/transaction.js';
import type { ViewName } from './dashboard.schema.js';
import { RefreshState } from './entities/refresh-state.entity.js';
import {
  HISTORY_VIEWS,
  partitionCopy,
  visibleRows,
  type BuildContext,
  type HistoryView,
  type PartitionCopy,
  type Statement,
} from './view-sql.js';

/** Rows per DELETE when a whole generation goes: a few milliseconds each. */
const DELETE_BATCH = 5_000;

/** What the flip records about the generation it makes current. */
export interface FlipTo {
  generation: number;
  /** History views: the generation that holds the partitions before `splitKey`; null for none. */
  base: number | null;
  splitKey: string | null;
  refreshedAt: Date;
  durationMs: number;
  watermark: number;
  mode: 'full' | 'incremental';
}

/** A point in token_event's (occurred_at, id) order; without an id, the first event at or after `at`. */
export interface EventBound {
  at: Date;
  id?: number;
}

/** A row two generations of a history view disagree on: null figures where one of them lacks the row. */
export interface Difference {
  key: Record<string, unknown>;
  expected: Record<string, unknown> | null;
  found: Record<string, unknown> | null;
}

/** The refresh's reads of token_event and its writes of the analytics tables and mv_refresh_state. */
@Injectable()
export class DashboardRefreshRepository {
  /** Rows per DELETE of a whole generation; a test makes it small to delete in many batches. */
  deleteBatch = DELETE_BATCH;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The newest event's id (0 without events): every statement of a refresh reads up to it. */
  async latestEventId(): Promise<number> {
    const [{ watermark }] = await this.dataSource.query<[{ watermark: number | string }]>(
      `SELECT COALESCE(MAX(id), 0) AS watermark FROM token_event`,
    );
    return Number(watermark);
  }

  /** When the earliest event with an id in (afterId, upToId] occurred; null when there is none. */
  async earliestEventBetween(afterId: number, upToId: number): Promise<Date | null> {
    const [{ earliest }] = await this.dataSource.query<[{ earliest: string | Date | null }]>(
      `SELECT MIN(occurred_at) AS earliest FROM token_event WHERE id > ? AND id <= ?`,
      [afterId, upToId],
    );
    return fromDbTime(earliest);
  }

  /** The view's state row, created at generation 0 the first time the view is refreshed. */
  async state(view: ViewName): Promise<RefreshState> {
    await this.dataSource.query(
      `${insertIgnore(dialectOf(this.dataSource))} mv_refresh_state (view_name, generation) VALUES (?, 0)`,
      [view],
    );
    return this.dataSource.getRepository(RefreshState).findOneByOrFail({ viewName: view });
  }

  states(): Promise<RefreshState[]> {
    return this.dataSource.getRepository(RefreshState).find();
  }

  /**
   * On SQLite a statement blocks the process (and holds the one connection) until it ends;
   * elsewhere it runs off the event loop and reads without locks, so history can be read whole.
   */
  get statementsBlockTheProcess(): boolean {
    return dialectOf(this.dataSource) === 'sqlite';
  }

  /** `build`'s statement in this database's dialect. */
  statement(build: (context: BuildContext) => Statement, context: Omit<BuildContext, 'dialect'>): Statement {
    return build({ ...context, dialect: dialectOf(this.dataSource) });
  }

  /**
   * The event `skip` places after the first one at or after `from` in (occurred_at, id) order
   * (through the index on occurred_at, which holds the id): where a chunk of that many events
   * ends. Null when fewer are left.
   */
  async eventAfter(from: EventBound, skip: number): Promise<EventBound | null> {
    const at = toDbTime(from.at);
    const rows = await this.dataSource.query<Array<{ occurred_at: string | Date; id: number | string }>>(
      `SELECT occurred_at, id FROM token_event WHERE occurred_at >= ? ${from.id === undefined ? '' : 'AND (occurred_at > ? OR id >= ?)'}
       ORDER BY occurred_at, id LIMIT 1 OFFSET ${Math.floor(skip)}`,
      from.id === undefined ? [at] : [at, at, from.id],
    );
    return rows.length ? { at: fromDbTime(rows[0].occurred_at), id: Number(rows[0].id) } : null;
  }

  /** When the earliest event occurred (an index lookup); null without events. */
  async earliestEvent(): Promise<Date | null> {
    const [{ earliest }] = await this.dataSource.query<[{ earliest: string | Date | null }]>(
      `SELECT MIN(occurred_at) AS earliest FROM token_event`,
    );
    return fromDbTime(earliest);
  }

  async run(statement: Statement): Promise<void> {
    await insertSelectWithoutLocks(this.dataSource, statement.sql, statement.params);
  }

  /** Points readers at the new generation; false when `from` is no longer the current one. */
  async flip(view: ViewName, from: number, to: FlipTo): Promise<boolean> {
    const flipped = await execute(
      this.dataSource,
      `UPDATE mv_refresh_state SET generation = ?, base_generation = ?, split_key = ?, refreshed_at = ?, duration_ms = ?, watermark_event_id = ?, mode = ?
       WHERE view_name = ? AND generation = ?`,
      [to.generation, to.base, to.splitKey, toDbTime(to.refreshedAt), to.durationMs, to.watermark, to.mode, view, from],
    );
    return flipped === 1;
  }

  /**
   * Deletes a whole generation (after a full rebuild: all of history) in batches, yielding
   * between them: on SQLite one DELETE of it all would hold the one connection for long.
   */
  async deleteGeneration(view: ViewName, generation: number): Promise<void> {
    const batch = this.deleteBatch;
    const sql = deleteAtMost(dialectOf(this.dataSource), view, 'generation = ?', batch);
    while ((await execute(this.dataSource, sql, [generation])) === batch) await yieldToEventLoop();
  }

  copyPartitions(view: HistoryView, copy: PartitionCopy): Promise<void> {
    return this.run(partitionCopy(view, dialectOf(this.dataSource), copy));
  }

  /** A history view's partitions from `since` on, in `generation` (through the (generation, partition) index). */
  async deletePartitions(view: HistoryView, generation: number, since: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${view} WHERE generation = ? AND ${HISTORY_VIEWS[view].partition} >= ?`, [
      generation,
      since,
    ]);
  }

  /**
   * Sweeps every generation but those in `keep`: the half-written rows of a refresh that failed.
   * Each range between two kept generations is a range of the primary key, so the sweep reads
   * only what it deletes.
   */
  async deleteAllBut(view: ViewName, keep: number[]): Promise<void> {
    const kept = [...new Set(keep)].sort((a, b) => a - b);
    await this.dataSource.query(`DELETE FROM ${view} WHERE generation < ?`, [kept[0]]);
    for (let i = 1; i < kept.length; i++)
      await this.dataSource.query(`DELETE FROM ${view} WHERE generation > ? AND generation < ?`, [
        kept[i - 1],
        kept[i],
      ]);
    await this.dataSource.query(`DELETE FROM ${view} WHERE generation > ?`, [kept[kept.length - 1]]);
  }

  async countGeneration(view: ViewName, generation: number): Promise<number> {
    const [{ total }] = await this.dataSource.query<[{ total: number | string }]>(
      `SELECT COUNT(*) AS total FROM ${view} WHERE generation = ?`,
      [generation],
    );
    return Number(total);
  }

  /**
   * Rows of `view` whose figures differ between generation `expected` and the rows readers see
   * now, or that only one of them has: how many, and the first `sample` of them.
   */
  async differences(
    view: HistoryView,
    expected: number,
    sample: number,
  ): Promise<{ count: number; sample: Difference[] }> {
    const { key, figures } = HISTORY_VIEWS[view];
    const found = `(SELECT v.* FROM ${view} v JOIN mv_refresh_state s ON s.view_name = '${view}' AND ${visibleRows(view, 'v', 's')})`;
    const sameKey = key.map((k) => `e.${k} = f.${k}`).join(' AND ');
    // equal, or both null, in every dialect
    const sameFigures = figures.map((c) => `(e.${c} = f.${c} OR (e.${c} IS NULL AND f.${c} IS NULL))`).join(' AND ');
    const columns = (keySide: 'e' | 'f', inFound: string, expectedSide: 'e' | null) =>
      [
        ...key.map((k) => `${keySide}.${k} AS k_${k}`),
        `${expectedSide ? 1 : 0} AS in_expected`,
        `${inFound} AS in_found`,
        ...figures.map((c) => `${expectedSide ? `e.${c}` : 'NULL'} AS e_${c}`),
        ...figures.map((c) => `f.${c} AS f_${c}`),
      ].join(', ');
    const rows = `
      SELECT ${columns('e', `CASE WHEN f.${key[0]} IS NULL THEN 0 ELSE 1 END`, 'e')}
      FROM ${view} e LEFT JOIN ${found} f ON ${sameKey}
      WHERE e.generation = ? AND (f.${key[0]} IS NULL OR NOT (${sameFigures}))
      UNION ALL
      SELECT ${columns('f', '1', null)} FROM ${found} f
      WHERE NOT EXISTS (SELECT 1 FROM ${view} e WHERE e.generation = ? AND ${sameKey})`;
    const params = [expected, expected];
    const [{ total }] = await this.dataSource.query<[{ total: number | string }]>(
      `SELECT COUNT(*) AS total FROM (${rows}) d`,
      params,
    );
    const first = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT * FROM (${rows}) d ORDER BY ${key.map((k) => `k_${k}`).join(', ')} LIMIT ${Math.floor(sample)}`,
      params,
    );
    const pick = (row: Record<string, unknown>, prefix: string, names: readonly string[]) =>
      Object.fromEntries(names.map((n) => [n, row[`${prefix}${n}`]]));
    return {
      count: Number(total),
      sample: first.map((row) => ({
        key: pick(row, 'k_', key),
        expected: Number(row.in_expected) ? pick(row, 'e_', figures) : null,
        found: Number(row.in_found) ? pick(row, 'f_', figures) : null,
      })),
    };
  }
}
