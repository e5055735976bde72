import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment.js';
import type { JobCounts } from '../phases/phase-definition.js';
import { DashboardRefreshRepository } from './dashboard-refresh.repository.js';
import { VIEWS, type ViewName } from './dashboard.schema.js';
import { INCREMENTAL_VIEWS } from './view-sql.js';

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
    private readonly views: DashboardRefreshRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.windowMs = config.get('DASHBOARD_WINDOW_HOURS', { infer: true }) * 3_600_000;
  }

  async refresh(options: RefreshOptions): Promise<JobCounts> {
    const now = new Date();
    const watermark = await this.views.latestEventId();
    const counts: JobCounts = { views_refreshed: 0, incremental: 0, rows: 0 };
    const durations: Partial<Record<ViewName, number>> = {};
    for (const view of VIEWS) {
      if (options.signal?.aborted) break;
      const done = await this.refreshView(view, watermark, now, options.full);
      counts.views_refreshed++;
      counts.incremental += done.incremental ? 1 : 0;
      counts.rows += done.rows;
      durations[view] = done.durationMs;
    }
    this.logger.log({
      msg: 'dashboard refreshed',
      full: options.full,
      stopped: options.signal?.aborted === true,
      watermark,
      ...counts,
      durationsMs: durations,
    });
    return counts;
  }

  private async refreshView(
    view: ViewName,
    watermark: number,
    now: Date,
    full: boolean,
  ): Promise<{ rows: number; incremental: boolean; durationMs: number }> {
    const started = Date.now();
    const state = await this.views.state(view);
    await this.views.deleteAllBut(view, state.generation);
    const { watermarkEventId, refreshedAt } = state;
    const incremental = !full && INCREMENTAL_VIEWS.has(view) && watermarkEventId !== null && refreshedAt !== null;
    const generation = state.generation + 1;
    const statements = this.views.generationStatements(view, {
      generation,
      previous: state.generation,
      watermark,
      windowStart: new Date(now.getTime() - this.windowMs),
      windowEnd: now,
      since: incremental ? await this.since(watermarkEventId, refreshedAt, watermark) : null,
    });
    for (const [i, statement] of statements.entries()) {
      await this.beforeStep(`${view}:${i}`);
      await this.views.run(statement);
    }
    await this.beforeStep(`${view}:flip`);
    const durationMs = Date.now() - started;
    const flipped = await this.views.flip(view, state.generation, {
      generation,
      refreshedAt: now,
      durationMs,
      watermark,
      mode: incremental ? 'incremental' : 'full',
    });
    // the job's lease makes refreshes single-runner; this only guards against a lease lost mid-run
    if (!flipped) throw new Error(`${view}: generation ${state.generation} was replaced by another refresh`);
    await this.views.deleteGeneration(view, state.generation);
    return { rows: await this.views.countGeneration(view, generation), incremental, durationMs };
  }

  /** Where an incremental refresh starts: the earliest new event, or the late-commit margin before the last refresh. */
  private async since(lastWatermark: number, lastRefreshedAt: Date, watermark: number): Promise<Date> {
    const earliest = await this.views.earliestEventBetween(lastWatermark, watermark);
    const margin = lastRefreshedAt.getTime() - LATE_COMMIT_GRACE_MS;
    return new Date(Math.min(earliest?.getTime() ?? margin, margin));
  }
}
