import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../config/environment.js';
import { dialectOf, execute, fromDbTime, insertIgnore, toDbTime } from '../database/dialect.js';
import type { JobCounts } from '../phases/phase-definition.js';
import { VIEWS, type ViewName } from './dashboard.schema.js';
import { RefreshState } from './entities/refresh-state.entity.js';
import { buildView, INCREMENTAL_VIEWS } from './view-sql.js';
import { insertSelectWithoutLocks } from '../database/transaction.js';

/**
 * An event's occurred_at is stamped before its transaction commits, so a transaction still
 * open during the previous refresh can commit an id below that refresh's watermark. Every
 * incremental refresh therefore also recomputes the periods from this long before the
 * previous one: transactions longer than that would be missed until a full rebuild.
 */
const LATE_COMMIT_GRACE_MS = 5 * 60_000;

export interface RefreshOptions {
  /** Rebuild every view from all history instead of recomputing only what new events touch. */
  full: boolean;
  /** Stops between views (a rollback stopping the job): each view is swapped whole or not at all. */
  signal?: AbortSignal;
}

/**
 * Refreshes the analytics tables. Each view is written as a new generation beside the one
 * readers see; one single-row UPDATE of mv_refresh_state then points readers at it, and the
 * old generation is deleted. Readers select through that pointer in one statement, so they
 * see the old rows or the new ones, never a mix; a refresh that fails before the flip leaves
 * the old generation in place (its half-written rows are swept by the next refresh). No
 * transaction spans several statements: on SQLite the whole app shares one connection, and
 * whatever else it ran meanwhile would join (and could be rolled back with) the refresh.
 */
@Injectable()
export class DashboardRefreshService {
  private readonly logger = new Logger(DashboardRefreshService.name);
  private readonly windowMs: number;

  /** Test seam: awaited before every statement of a refresh, so a test can fail or hold one between two steps. */
  beforeStep: (step: string) => Promise<void> = async () => undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<Environment, true>,
  ) {
    this.windowMs = config.get('DASHBOARD_WINDOW_HOURS', { infer: true }) * 3_600_000;
  }

  async refresh(options: RefreshOptions): Promise<JobCounts> {
    const now = new Date();
    const [{ watermark }] = await this.dataSource.query(`SELECT COALESCE(MAX(id), 0) AS watermark FROM token_event`);
    const counts: JobCounts = { views_refreshed: 0, incremental: 0, rows: 0 };
    const durations: Partial<Record<ViewName, number>> = {};
    for (const view of VIEWS) {
      if (options.signal?.aborted) break;
      const done = await this.refreshView(view, Number(watermark), now, options.full);
      counts.views_refreshed++;
      counts.incremental += done.incremental ? 1 : 0;
      counts.rows += done.rows;
      durations[view] = done.durationMs;
    }
    this.logger.log({ msg: 'dashboard refreshed', full: options.full, stopped: options.signal?.aborted === true, watermark: Number(watermark), ...counts, durationsMs: durations });
    return counts;
  }

  private async refreshView(view: ViewName, watermark: number, now: Date, full: boolean): Promise<{ rows: number; incremental: boolean; durationMs: number }> {
    const started = Date.now();
    const state = await this.state(view);
    await this.dataSource.query(`DELETE FROM ${view} WHERE generation <> ?`, [state.generation]);
    const incremental = !full && INCREMENTAL_VIEWS.has(view) && state.watermarkEventId !== null && state.refreshedAt !== null;
    const generation = state.generation + 1;
    const statements = buildView(view, {
      dialect: dialectOf(this.dataSource),
      generation,
      previous: state.generation,
      watermark,
      windowStart: new Date(now.getTime() - this.windowMs),
      windowEnd: now,
      since: incremental ? await this.since(state, watermark) : null,
    });
    for (const [i, statement] of statements.entries()) {
      await this.beforeStep(`${view}:${i}`);
      await insertSelectWithoutLocks(this.dataSource, statement.sql, statement.params);
    }
    await this.beforeStep(`${view}:flip`);
    const durationMs = Date.now() - started;
    const flipped = await execute(
      this.dataSource,
      `UPDATE mv_refresh_state SET generation = ?, refreshed_at = ?, duration_ms = ?, watermark_event_id = ?, mode = ? WHERE view_name = ? AND generation = ?`,
      [generation, toDbTime(now), durationMs, watermark, incremental ? 'incremental' : 'full', view, state.generation],
    );
    // the job's lease makes refreshes single-runner; this only guards against a lease lost mid-run
    if (flipped !== 1) throw new Error(`${view}: generation ${state.generation} was replaced by another refresh`);
    await this.dataSource.query(`DELETE FROM ${view} WHERE generation = ?`, [state.generation]);
    const [{ total }] = await this.dataSource.query(`SELECT COUNT(*) AS total FROM ${view} WHERE generation = ?`, [generation]);
    return { rows: Number(total), incremental, durationMs };
  }

  private async state(view: ViewName): Promise<RefreshState> {
    const repo = this.dataSource.getRepository(RefreshState);
    await this.dataSource.query(`${insertIgnore(dialectOf(this.dataSource))} mv_refresh_state (view_name, generation) VALUES (?, 0)`, [view]);
    return repo.findOneByOrFail({ viewName: view });
  }

  /** Where an incremental refresh starts: the earliest new event, or the late-commit margin before the last refresh. */
  private async since(state: RefreshState, watermark: number): Promise<Date> {
    const [{ earliest }] = await this.dataSource.query(`SELECT MIN(occurred_at) AS earliest FROM token_event WHERE id > ? AND id <= ?`, [state.watermarkEventId, watermark]);
    const margin = state.refreshedAt!.getTime() - LATE_COMMIT_GRACE_MS;
    return new Date(Math.min(fromDbTime(earliest)?.getTime() ?? margin, margin));
  }
}
