import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { MetricsService } from '../common/metrics/metrics.service.js';
import type { Environment } from '../config/environment.js';
import type { DashboardRefreshRepository, EventBound, FlipTo } from './dashboard-refresh.repository.js';
import type { RetentionHorizonRepository } from '../phases/retention/retention-horizon.repository.js';
import type { PhaseTelemetry } from '../phases/telemetry/phase-telemetry.service.js';
import { DashboardRefreshService } from './dashboard-refresh.service.js';
import { VIEWS, type ViewName } from './dashboard.schema.js';
import type { RefreshState } from './entities/refresh-state.entity.js';
import { toDbTime } from '../database/dialect.js';
import type { BuildContext, HistoryView, PartitionCopy, Statement } from './view-sql.js';

type Method =
  | 'latestEventId'
  | 'earliestEventBetween'
  | 'state'
  | 'statement'
  | 'statementsBlockTheProcess'
  | 'eventAfter'
  | 'earliestEvent'
  | 'run'
  | 'flip'
  | 'deleteGeneration'
  | 'deleteAllBut'
  | 'deletePartitions'
  | 'copyPartitions'
  | 'countGeneration';

/** A mv_refresh_state row as plain data, which the fake copies out as a read of the table would. */
type StateRow = Pick<RefreshState, keyof RefreshState>;

/** A statement the refresh built, with what it was built for. */
interface Built {
  context: Omit<BuildContext, 'dialect'>;
  statement: Statement;
}

/** mv_refresh_state and token_event in memory; each view's generation holds one row per statement run into it. */
class FakeRefreshRepository implements Pick<DashboardRefreshRepository, Method> {
  readonly states = new Map<ViewName, StateRow>();
  readonly events: Array<{ id: number; occurredAt: Date }> = [];
  /** Per view, the statements of its last refresh, in order. */
  readonly built = new Map<ViewName, Built[]>();
  statementsBlockTheProcess = false;
  readonly rows = new Map<string, number>();
  /** Set to make the next flip of this view find its generation replaced. */
  replaced?: ViewName;
  /** Per view, the partitions its refreshes copied and deleted, in order. */
  readonly moved: Array<{ view: ViewName; copy?: PartitionCopy; deleted?: { generation: number; since: string } }> = [];

  async latestEventId(): Promise<number> {
    return Math.max(0, ...this.events.map((e) => e.id));
  }

  async earliestEventBetween(afterId: number, upToId: number): Promise<Date | null> {
    const times = this.events.filter((e) => e.id > afterId && e.id <= upToId).map((e) => e.occurredAt.getTime());
    return times.length ? new Date(Math.min(...times)) : null;
  }

  async state(view: ViewName): Promise<RefreshState> {
    if (!this.states.has(view))
      this.states.set(view, {
        viewName: view,
        generation: 0,
        baseGeneration: null,
        splitKey: null,
        refreshedAt: null,
        durationMs: null,
        watermarkEventId: null,
        mode: null,
      });
    return { ...this.states.get(view)! };
  }

  statement(build: (context: BuildContext) => Statement, context: Omit<BuildContext, 'dialect'>): Statement {
    const statement = build({ ...context, dialect: 'mysql' });
    const view = /INSERT INTO (\w+)/.exec(statement.sql)![1] as ViewName;
    const built = this.built.get(view);
    if (!built || built[0].context.generation !== context.generation) this.built.set(view, [{ context, statement }]);
    else built.push({ context, statement });
    return { sql: `${view}:${context.generation}`, params: statement.params };
  }

  async run(statement: Statement): Promise<void> {
    this.rows.set(statement.sql, (this.rows.get(statement.sql) ?? 0) + 1);
  }

  async earliestEvent(): Promise<Date | null> {
    const times = this.events.map((e) => e.occurredAt.getTime());
    return times.length ? new Date(Math.min(...times)) : null;
  }

  async eventAfter(from: EventBound, skip: number): Promise<EventBound | null> {
    const after = this.events
      .filter(
        (e) =>
          e.occurredAt.getTime() > from.at.getTime() ||
          (e.occurredAt.getTime() === from.at.getTime() && e.id >= (from.id ?? 0)),
      )
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id);
    return skip < after.length ? { at: after[skip].occurredAt, id: after[skip].id } : null;
  }

  async flip(view: ViewName, from: number, to: FlipTo): Promise<boolean> {
    const state = this.states.get(view)!;
    if (this.replaced === view || state.generation !== from) return false;
    Object.assign(state, {
      generation: to.generation,
      baseGeneration: to.base,
      splitKey: to.splitKey,
      refreshedAt: to.refreshedAt,
      durationMs: to.durationMs,
      watermarkEventId: to.watermark,
      mode: to.mode,
    });
    return true;
  }

  async deleteGeneration(view: ViewName, generation: number): Promise<void> {
    this.rows.delete(`${view}:${generation}`);
  }

  async deleteAllBut(view: ViewName, keep: number[]): Promise<void> {
    for (const key of [...this.rows.keys()])
      if (key.startsWith(`${view}:`) && !keep.some((k) => key === `${view}:${k}`)) this.rows.delete(key);
  }

  async deletePartitions(view: HistoryView, generation: number, since: string): Promise<void> {
    this.moved.push({ view, deleted: { generation, since } });
  }

  async copyPartitions(view: HistoryView, copy: PartitionCopy): Promise<void> {
    this.moved.push({ view, copy });
  }

  async countGeneration(view: ViewName, generation: number): Promise<number> {
    return this.rows.get(`${view}:${generation}`) ?? 0;
  }
}

const MINUTE = 60_000;
const config = {
  get: (key: keyof Environment) => (key === 'DASHBOARD_SELF_CHECK_CRON' ? '0 30 3 * * *' : 24),
} as unknown as ConfigService<Environment, true>;
const noHorizon = { purgedBefore: () => Promise.resolve(null) } as unknown as RetentionHorizonRepository;
const metrics = { counter: () => ({ inc: () => undefined }) } as unknown as MetricsService;
const noTelemetry = { enabled: false, signal: () => undefined } as unknown as PhaseTelemetry;

const HOUR = 60 * MINUTE;
const floorTo = (time: number, unit: number) => new Date(Math.floor(time / unit) * unit);

/** Up to where the view's last refresh left the partitions in its base generation; null when it kept none. */
function keptUpTo(repo: FakeRefreshRepository, view: ViewName): unknown {
  return repo.states.get(view)!.splitKey;
}

function refresher() {
  const repo = new FakeRefreshRepository();
  return {
    repo,
    service: new DashboardRefreshService(
      repo as unknown as DashboardRefreshRepository,
      noHorizon,
      config,
      metrics,
      noTelemetry,
    ),
  };
}

describe('DashboardRefreshService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('builds every view in full the first time, flips each to generation 1 at the newest event', async () => {
    const { repo, service } = refresher();
    repo.events.push({ id: 1, occurredAt: new Date() }, { id: 7, occurredAt: new Date() });

    expect(await service.refresh({ full: false })).toEqual({ views_refreshed: 4, incremental: 0, rows: 4 });

    for (const view of VIEWS) {
      expect(repo.built.get(view)!.map((b) => b.context)).toEqual([
        expect.objectContaining({ generation: 1, kept: null, watermark: 7 }),
      ]);
      expect(keptUpTo(repo, view)).toBeNull();
      expect(repo.states.get(view)).toMatchObject({ generation: 1, watermarkEventId: 7, mode: 'full' });
      expect(repo.rows.get(`${view}:1`)).toBe(1);
    }
  });

  it('recomputes the history views from the earlier of the first new event and the late-commit margin; the others in full', async () => {
    const { repo, service } = refresher();
    await service.refresh({ full: false });
    const lastRefresh = repo.states.get('mv_token_flow_summary')!.refreshedAt!.getTime();
    // a new event stamped well before the last refresh: a transaction that committed late
    repo.events.push({ id: 1, occurredAt: new Date(lastRefresh - 60 * MINUTE) });

    expect(await service.refresh({ full: false })).toMatchObject({ views_refreshed: 4, incremental: 2 });

    expect(repo.built.get('mv_token_flow_summary')![0].context).toMatchObject({
      generation: 2,
      kept: { generation: 1 },
    });
    expect(keptUpTo(repo, 'mv_token_flow_summary')).toBe(toDbTime(floorTo(lastRefresh - 60 * MINUTE, HOUR)));
    expect(keptUpTo(repo, 'mv_cycle_time_analytics')).toBe(
      toDbTime(floorTo(lastRefresh - 60 * MINUTE, 24 * HOUR)).slice(0, 10),
    );
    expect(keptUpTo(repo, 'mv_node_bottlenecks')).toBeNull();
    expect(repo.states.get('mv_cycle_time_analytics')!.mode).toBe('incremental');
    expect(repo.states.get('mv_team_workload')!.mode).toBe('full');
    // the full build's generation becomes the base: its closed partitions stay, its recomputed ones go
    expect(repo.states.get('mv_token_flow_summary')).toMatchObject({ generation: 2, baseGeneration: 1 });
    expect(repo.rows.has('mv_token_flow_summary:1')).toBe(true);
    expect(repo.moved.filter((m) => m.view === 'mv_token_flow_summary')).toEqual([
      { view: 'mv_token_flow_summary', deleted: { generation: 1, since: keptUpTo(repo, 'mv_token_flow_summary') } },
    ]);
    expect(repo.rows.has('mv_node_bottlenecks:1')).toBe(false);
  });

  it('moves only the partitions between the last split and the new one into the base generation', async () => {
    const { repo, service } = refresher();
    await service.refresh({ full: false });
    const first = repo.states.get('mv_token_flow_summary')!.refreshedAt!.getTime();
    repo.events.push({ id: 1, occurredAt: new Date(first - 2 * HOUR) });
    await service.refresh({ full: false });
    const split = keptUpTo(repo, 'mv_token_flow_summary') as string;
    repo.moved.length = 0;

    await service.refresh({ full: false });

    const now = keptUpTo(repo, 'mv_token_flow_summary');
    expect(repo.states.get('mv_token_flow_summary')).toMatchObject({ generation: 3, baseGeneration: 1 });
    expect(repo.moved.filter((m) => m.view === 'mv_token_flow_summary')).toEqual([
      { view: 'mv_token_flow_summary', deleted: { generation: 1, since: split } },
      { view: 'mv_token_flow_summary', copy: { from: 2, to: 1, since: split, until: now } },
      { view: 'mv_token_flow_summary', deleted: { generation: 1, since: now } },
    ]);
    expect(repo.rows.has('mv_token_flow_summary:2')).toBe(false);
  });

  it('without new events, an incremental refresh starts at the late-commit margin before the last refresh', async () => {
    const { repo, service } = refresher();
    await service.refresh({ full: false });
    const lastRefresh = repo.states.get('mv_token_flow_summary')!.refreshedAt!.getTime();

    await service.refresh({ full: false });

    expect(keptUpTo(repo, 'mv_token_flow_summary')).toBe(toDbTime(floorTo(lastRefresh - 5 * MINUTE, HOUR)));
  });

  it('rebuilds everything when asked for a full refresh, even after a previous one', async () => {
    const { repo, service } = refresher();
    await service.refresh({ full: false });

    expect(await service.refresh({ full: true })).toMatchObject({ incremental: 0 });

    for (const view of VIEWS) expect(keptUpTo(repo, view)).toBeNull();
  });

  it('where statements block the process, reads history in chunks of about chunkEvents events, each ending at a partition bound or, for token flow, at an event inside a crowded hour', async () => {
    const { repo, service } = refresher();
    repo.statementsBlockTheProcess = true;
    service.chunkEvents = 2;
    const start = Date.UTC(2026, 0, 1, 8, 30);
    // seven events in hour 8 (four of them at one time), two in hour 11, one in hour 12, all on one day
    for (const [i, minutes] of [0, 1, 1, 1, 1, 5, 6, 150, 160, 220].entries())
      repo.events.push({ id: i + 1, occurredAt: new Date(start + minutes * MINUTE) });

    await service.refresh({ full: true });

    // [generation, generation, carry bound, watermark, ...range, watermark, ...range]
    const ranges = repo.built
      .get('mv_token_flow_summary')!
      .map((b) => b.statement.params.slice(4, 4 + (b.statement.params.length - 5) / 2));
    const hour = (h: number) => toDbTime(new Date(Date.UTC(2026, 0, 1, h)));
    const at = (minutes: number) => toDbTime(new Date(start + minutes * MINUTE));
    // hour 8 holds seven events: cut at every second event, in (occurred_at, id) order (by id alone
    // between two events of one time), then at the next hour bound
    expect(ranges).toEqual([
      [hour(8), at(1), at(1), 3],
      [at(1), 3, 5],
      [at(1), at(1), 5, at(6), at(6), 7],
      [at(6), at(6), 7, hour(11)],
      [hour(11), hour(12)],
      [hour(12)],
    ]);
    // per day (percentiles do not add up): the whole day, then the open end
    expect(repo.built.get('mv_cycle_time_analytics')!.map((b) => b.statement.params.slice(2))).toEqual([
      [hour(0), hour(24)],
      [hour(24)],
    ]);
  });

  it('fails when another refresh replaced the generation, keeping the one readers see', async () => {
    const { repo, service } = refresher();
    await service.refresh({ full: false });
    repo.replaced = 'mv_node_bottlenecks';

    await expect(service.refresh({ full: false })).rejects.toThrow(
      'mv_node_bottlenecks: generation 1 was replaced by another refresh',
    );

    expect(repo.states.get('mv_node_bottlenecks')!.generation).toBe(1);
    expect(repo.rows.get('mv_node_bottlenecks:1')).toBe(1);
  });

  it('stops between views once its signal is aborted', async () => {
    const { repo, service } = refresher();
    const stop = new AbortController();
    service.beforeStep = async (step) => {
      if (step === 'mv_node_bottlenecks:flip') stop.abort();
    };

    expect(await service.refresh({ full: false, signal: stop.signal })).toMatchObject({ views_refreshed: 2 });

    expect(repo.states.get('mv_team_workload')).toBeUndefined();
  });
});
