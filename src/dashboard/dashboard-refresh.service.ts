import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CronTime } from 'cron';
import type { Counter } from 'prom-client';
import { Environment } from '../config/environment.js';
import type { JobCounts } from '../phases/phase-definition.js';
import { DashboardRefreshRepository, type EventBound } from './dashboard-refresh.repository.js';
import { yieldToEventLoop } from '../common/yield-to-event-loop.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { RetentionHorizonRepository } from '../phases/retention/retention-horizon.repository.js';
import { PhaseTelemetry } from '../phases/telemetry/phase-telemetry.service.js';
import { VIEWS, type ViewName } from './dashboard.schema.js';
import {
  ceilTo,
  floorTo,
  HISTORY_VIEWS,
  isHistoryView,
  windowView,
  type BuildContext,
  type HistoryChunk,
  type HistoryView,
} from './view-sql.js';

/**
 * An event's occurred_at is stamped before its transaction commits, so a transaction still
 * open during the previous refresh can commit an id below that refresh's watermark. Every
 * incremental refresh therefore also recomputes the periods from this long before the
 * previous one: transactions longer than that would be missed until a full rebuild.
 */
const LATE_COMMIT_GRACE_MS = 5 * 60_000;

/**
 * A history view is built in steps of about this many events (whole hours or days each), so
 * no statement runs long: on SQLite a statement blocks the process (and holds the one
 * connection) until it ends. At about 0.7 µs per event, a step takes tens of milliseconds.
 */
const CHUNK_EVENTS = 10_000;

/** The table the history views are computed from, whose retention horizon they respect. */
const HISTORY_SOURCE = 'token_event';

/** How many of a self-check's differing rows per view its log shows. */
const LOGGED_DIFFERENCES = 5;

/** Compares the generation just built with what readers see before the flip; answers how many rows differ. */
type BeforeFlip = (built: number) => Promise<number>;

/** Where a view's rows are: `base` holds the partitions before `splitKey`, `generation` the rest (all, without a split). */
interface Layout {
  generation: number;
  base: number;
  splitKey: string | null;
}

export interface RefreshOptions {
  /** Rebuild every view from all history instead of recomputing only what new events touch. */
  full: boolean;
  /** Stops between views (a rollback stopping the job): each view is swapped whole or not at all. */
  signal?: AbortSignal;
}

/**
 * Refreshes the analytics tables. Each view is written as a new generation beside the one
 * readers see; one single-row UPDATE of mv_refresh_state then points readers at it, and what
 * no reader can see any more is deleted. A history view keeps its closed partitions in a base
 * generation across refreshes (readers take the base before `split_key`, the current generation
 * from it), so an incremental refresh writes only the recent partitions. Readers select through
 * that pointer in one statement, so they see the old rows or the new ones, never a mix; a refresh that fails before the flip leaves
 * the old generation in place (its half-written rows are swept by the next refresh). No
 * transaction spans several statements: on SQLite the whole app shares one connection, and
 * whatever else it ran meanwhile would join (and could be rolled back with) the refresh.
 */
@Injectable()
export class DashboardRefreshService {
  private readonly logger = new Logger(DashboardRefreshService.name);
  private readonly windowMs: number;
  private readonly selfCheckAt: CronTime;
  private readonly mismatches: Counter;

  /** Test seam: awaited before every statement of a refresh, so a test can fail or hold one between two steps. */
  beforeStep: (step: string) => Promise<void> = async () => undefined;
  /** Events per step of a history view; a test makes it small to build in many steps. */
  chunkEvents = CHUNK_EVENTS;

  constructor(
    private readonly views: DashboardRefreshRepository,
    private readonly horizons: RetentionHorizonRepository,
    config: ConfigService<Environment, true>,
    metrics: MetricsService,
    private readonly telemetry: PhaseTelemetry,
  ) {
    this.windowMs = config.get('DASHBOARD_WINDOW_HOURS', { infer: true }) * 3_600_000;
    this.selfCheckAt = new CronTime(config.get('DASHBOARD_SELF_CHECK_CRON', { infer: true }));
    this.mismatches = metrics.counter(
      'dashboard_self_check_mismatches_total',
      'Rows a dashboard self-check found different between the incremental refresh and a full rebuild (then healed)',
      ['view'],
    );
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
      this.telemetry.signal(10, 'refresh_ms', done.durationMs);
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

  /**
   * Due once DASHBOARD_SELF_CHECK_CRON has had a time since the history views were last
   * refreshed: the refresh that follows each such time is the check, on whichever replica
   * holds the job's lease. Never before a first refresh, which is a full one anyway.
   */
  async selfCheckDue(now = new Date()): Promise<boolean> {
    const refreshed = (await this.views.states()).flatMap((s) =>
      isHistoryView(s.viewName as ViewName) && s.refreshedAt ? [s.refreshedAt.getTime()] : [],
    );
    if (refreshed.length < Object.keys(HISTORY_VIEWS).length) return false;
    const last = Math.min(...refreshed);
    return this.selfCheckAt.getNextDateFrom(new Date(last)).toMillis() <= now.getTime();
  }

  /**
   * Verifies the incremental refresh: refreshes incrementally as a tick would, then rebuilds
   * each history view in full from the same events into the spare generation and compares the
   * two. Differences are logged (the view, the row, expected and found figures) and counted;
   * the full rebuild becomes current either way, so whatever differed is healed. The other
   * views are always rebuilt in full, so they are rebuilt and not compared.
   */
  async selfCheck(signal?: AbortSignal): Promise<JobCounts> {
    const now = new Date();
    const watermark = await this.views.latestEventId();
    const counts: JobCounts = { views_refreshed: 0, incremental: 0, rows: 0, views_checked: 0, mismatches: 0 };
    for (const view of VIEWS) {
      if (signal?.aborted) break;
      // a history view never refreshed before was just built in full: nothing to compare it with
      const first = isHistoryView(view) ? await this.refreshView(view, watermark, now, false) : null;
      const compare: BeforeFlip | undefined =
        first?.incremental && isHistoryView(view) ? (built) => this.compare(view, built) : undefined;
      const done = first && !compare ? first : await this.refreshView(view, watermark, now, true, compare);
      counts.views_refreshed++;
      counts.rows += done.rows;
      counts.views_checked += compare ? 1 : 0;
      counts.mismatches += done.mismatches;
    }
    this.logger.log({ msg: 'dashboard self-checked', stopped: signal?.aborted === true, watermark, ...counts });
    return counts;
  }

  private async compare(view: HistoryView, full: number): Promise<number> {
    await yieldToEventLoop();
    const { count, sample } = await this.views.differences(view, full, LOGGED_DIFFERENCES);
    if (count === 0) return 0;
    this.mismatches.inc({ view }, count);
    this.logger.warn({
      msg: 'dashboard self-check: the incremental refresh differs from a full rebuild; the full result is kept',
      view,
      rows: count,
      first: sample,
    });
    return count;
  }

  private async refreshView(
    view: ViewName,
    watermark: number,
    now: Date,
    full: boolean,
    beforeFlip?: BeforeFlip,
  ): Promise<{ rows: number; incremental: boolean; durationMs: number; mismatches: number }> {
    const started = Date.now();
    await yieldToEventLoop();
    const state = await this.views.state(view);
    const current: Layout = {
      generation: state.generation,
      base: state.baseGeneration ?? state.generation,
      splitKey: state.splitKey,
    };
    await this.views.deleteAllBut(view, [current.base, current.generation]);
    const { watermarkEventId, refreshedAt } = state;
    const incremental = !full && isHistoryView(view) && watermarkEventId !== null && refreshedAt !== null;
    const generation = Math.max(current.base, current.generation) + 1;
    const context: Omit<BuildContext, 'dialect' | 'kept'> = {
      generation,
      watermark,
      windowStart: new Date(now.getTime() - this.windowMs),
      windowEnd: now,
    };
    let built: Layout = { generation, base: generation, splitKey: null };
    const purged = await this.horizons.purgedBefore(HISTORY_SOURCE);
    if (!isHistoryView(view))
      await this.step(`${view}:0`, () =>
        this.views.run(this.views.statement((c) => windowView(view, c), { ...context, kept: null })),
      );
    else
      built = await this.writeHistory(
        view,
        current,
        context,
        incremental ? await this.since(watermarkEventId, refreshedAt, watermark) : null,
        // a view never built has no figures to keep: it is built from whatever history is left
        refreshedAt && purged,
      );
    // retention advances the horizon before it deletes: a purge that ran during this build may have
    // taken events the build was still reading, so its figures are not kept (the next tick builds again)
    if (isHistoryView(view) && (await this.horizons.purgedBefore(HISTORY_SOURCE))?.getTime() !== purged?.getTime())
      throw new Error(`${view}: token_event was purged during the build; it is built again on the next refresh`);
    const mismatches = beforeFlip ? await beforeFlip(generation) : 0;
    await this.beforeStep(`${view}:flip`);
    const durationMs = Date.now() - started;
    const flipped = await this.views.flip(view, state.generation, {
      generation,
      base: built.splitKey === null ? null : built.base,
      splitKey: built.splitKey,
      refreshedAt: now,
      durationMs,
      watermark,
      mode: incremental ? 'incremental' : 'full',
    });
    // the job's lease makes refreshes single-runner; this only guards against a lease lost mid-run
    if (!flipped) throw new Error(`${view}: generation ${state.generation} was replaced by another refresh`);
    await this.dropUnseen(view, current, built);
    return { rows: await this.views.countGeneration(view, generation), incremental, durationMs, mismatches };
  }

  /**
   * Fills a history view's generation, oldest partitions first, and answers where the view's
   * rows then are. Incremental (`since` set): recomputes the partitions from `since` on; those
   * before stay where they are, in the base generation (the closed partitions are neither
   * read nor written: the cost does not grow with history). Full: all of history into the new
   * generation. Either way the partitions before the retention horizon (`horizon`: events
   * before it may have been purged) are kept as they are, never recomputed from what is left.
   * Where statements block the process (SQLite) history is read in chunks, each ending at a
   * partition bound after about `chunkEvents` events (later when one partition holds more);
   * the last is open-ended. Elsewhere a single statement reads it.
   */
  private async writeHistory(
    view: HistoryView,
    current: Layout,
    context: Omit<BuildContext, 'dialect' | 'kept'>,
    since: Date | null,
    horizon: Date | null,
  ): Promise<Layout> {
    const { unitMs, chunk, partitionKey } = HISTORY_VIEWS[view];
    const { generation } = context;
    // the partition that holds the horizon may have lost events too: it is kept whole
    const starts = [since && floorTo(since, unitMs), horizon && ceilTo(horizon, unitMs)].flatMap((d) => (d ? [d] : []));
    let from: Date | null = starts.length ? new Date(Math.max(...starts.map((d) => d.getTime()))) : null;
    const splitKey = from && partitionKey(from);
    const kept = since && from ? { generation: current.base, until: from } : null;
    if (splitKey && kept) await this.gatherBase(view, current, splitKey);
    else if (splitKey) await this.copyVisible(view, current, generation, splitKey);
    const build = (range: HistoryChunk) => this.views.statement((c) => chunk(c, range), { ...context, kept });
    if (!this.views.statementsBlockTheProcess)
      await this.step(`${view}:0`, () => this.views.run(build(from && { from, until: null })));
    else {
      if (!from) {
        const earliest = await this.views.earliestEvent();
        from = earliest && floorTo(earliest, unitMs);
      }
      for (let i = 0, at: EventBound | null = from && { at: from }; at; i++) {
        const end = this.chunkEnd(view, at, await this.views.eventAfter(at, this.chunkEvents));
        const range = { from: at.at, fromId: at.id, until: end?.at ?? null, untilId: end?.id };
        await this.step(`${view}:${i}`, () => this.views.run(build(range)));
        at = end;
      }
    }
    return kept ? { generation, base: kept.generation, splitKey } : { generation, base: generation, splitKey: null };
  }

  /**
   * Where a step from `at` ends, given the event `next` about chunkEvents events on (null: none,
   * the step is the last): at the last partition bound before `next`, or, when `next` is still
   * inside the step's first partition, at `next` itself if the view's partitions may be split,
   * else at that partition's end.
   */
  private chunkEnd(view: HistoryView, at: EventBound, next: EventBound | null): EventBound | null {
    if (!next) return null;
    const { unitMs, splitsPartitions } = HISTORY_VIEWS[view];
    const partitionEnd = floorTo(at.at, unitMs).getTime() + unitMs;
    const bound = floorTo(next.at, unitMs);
    if (bound.getTime() >= partitionEnd) return { at: bound };
    return splitsPartitions ? next : { at: new Date(partitionEnd) };
  }

  /**
   * Makes the base generation hold every partition before `splitKey` (an incremental refresh
   * leaves them there): drops what it holds from its own split on (hidden from readers, left by
   * an earlier refresh), then moves in the current generation's partitions between the two
   * splits. Only recent partitions are touched.
   */
  private async gatherBase(view: HistoryView, current: Layout, splitKey: string) {
    if (current.base === current.generation || current.splitKey === null) return;
    const { base, generation, splitKey: since } = current;
    await this.step(`${view}:sweep`, () => this.views.deletePartitions(view, base, since));
    if (since < splitKey)
      await this.step(`${view}:keep`, () =>
        this.views.copyPartitions(view, { from: generation, to: base, since, until: splitKey }),
      );
  }

  /** Copies the partitions before `splitKey` that readers see now into generation `to` (a full build keeps them). */
  private async copyVisible(view: HistoryView, current: Layout, to: number, splitKey: string) {
    const { base, generation, splitKey: split } = current;
    const parts =
      base === generation || split === null
        ? [{ from: generation, since: null, until: splitKey }]
        : [
            { from: base, since: null, until: split < splitKey ? split : splitKey },
            ...(split < splitKey ? [{ from: generation, since: split, until: splitKey }] : []),
          ];
    for (const [i, part] of parts.entries())
      await this.step(`${view}:keep-${i}`, () => this.views.copyPartitions(view, { ...part, to }));
  }

  /** Deletes what readers no longer see once `now` is current: whole generations, and the base's partitions past its split. */
  private async dropUnseen(view: ViewName, before: Layout, now: Layout) {
    await yieldToEventLoop();
    for (const old of new Set([before.generation, before.base]))
      if (old !== now.generation && old !== now.base) await this.views.deleteGeneration(view, old);
    if (isHistoryView(view) && now.splitKey !== null) await this.views.deletePartitions(view, now.base, now.splitKey);
  }

  /** One statement of a refresh: after a turn of the event loop, and the test seam. */
  private async step(name: string, statement: () => Promise<void>): Promise<void> {
    await yieldToEventLoop();
    await this.beforeStep(name);
    await statement();
  }

  /** Where an incremental refresh starts: the earliest new event, or the late-commit margin before the last refresh. */
  private async since(lastWatermark: number, lastRefreshedAt: Date, watermark: number): Promise<Date> {
    const earliest = await this.views.earliestEventBetween(lastWatermark, watermark);
    const margin = lastRefreshedAt.getTime() - LATE_COMMIT_GRACE_MS;
    return new Date(Math.min(earliest?.getTime() ?? margin, margin));
  }
}
