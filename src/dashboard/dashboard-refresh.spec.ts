import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import type { DashboardRefreshRepository, FlipTo } from './dashboard-refresh.repository.js';
import { DashboardRefreshService } from './dashboard-refresh.service.js';
import { VIEWS, type ViewName } from './dashboard.schema.js';
import type { RefreshState } from './entities/refresh-state.entity.js';
import type { BuildContext, Statement } from './view-sql.js';

type Method =
  | 'latestEventId'
  | 'earliestEventBetween'
  | 'state'
  | 'generationStatements'
  | 'run'
  | 'flip'
  | 'deleteGeneration'
  | 'deleteAllBut'
  | 'countGeneration';

/** A mv_refresh_state row as plain data, which the fake copies out as a read of the table would. */
type StateRow = Pick<RefreshState, keyof RefreshState>;

/** mv_refresh_state and token_event in memory; each view's generation holds one row per statement run into it. */
class FakeRefreshRepository implements Pick<DashboardRefreshRepository, Method> {
  readonly states = new Map<ViewName, StateRow>();
  readonly events: Array<{ id: number; occurredAt: Date }> = [];
  readonly built = new Map<ViewName, Omit<BuildContext, 'dialect'>>();
  readonly rows = new Map<string, number>();
  /** Set to make the next flip of this view find its generation replaced. */
  replaced?: ViewName;

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
        refreshedAt: null,
        durationMs: null,
        watermarkEventId: null,
        mode: null,
      });
    return { ...this.states.get(view)! };
  }

  generationStatements(view: ViewName, context: Omit<BuildContext, 'dialect'>): Statement[] {
    this.built.set(view, context);
    return [{ sql: `${view}:${context.generation}`, params: [] }];
  }

  async run(statement: Statement): Promise<void> {
    this.rows.set(statement.sql, (this.rows.get(statement.sql) ?? 0) + 1);
  }

  async flip(view: ViewName, from: number, to: FlipTo): Promise<boolean> {
    const state = this.states.get(view)!;
    if (this.replaced === view || state.generation !== from) return false;
    Object.assign(state, {
      generation: to.generation,
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

  async deleteAllBut(view: ViewName, current: number): Promise<void> {
    for (const key of [...this.rows.keys()])
      if (key.startsWith(`${view}:`) && key !== `${view}:${current}`) this.rows.delete(key);
  }

  async countGeneration(view: ViewName, generation: number): Promise<number> {
    return this.rows.get(`${view}:${generation}`) ?? 0;
  }
}

const MINUTE = 60_000;
const config = { get: () => 24 } as unknown as ConfigService<Environment, true>;

function refresher() {
  const repo = new FakeRefreshRepository();
  return { repo, service: new DashboardRefreshService(repo as unknown as DashboardRefreshRepository, config) };
}

describe('DashboardRefreshService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('builds every view in full the first time, flips each to generation 1 at the newest event', async () => {
    const { repo, service } = refresher();
    repo.events.push({ id: 1, occurredAt: new Date() }, { id: 7, occurredAt: new Date() });

    expect(await service.refresh({ full: false })).toEqual({ views_refreshed: 4, incremental: 0, rows: 4 });

    for (const view of VIEWS) {
      expect(repo.built.get(view)).toMatchObject({ generation: 1, previous: 0, watermark: 7, since: null });
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

    expect(repo.built.get('mv_token_flow_summary')).toMatchObject({
      generation: 2,
      previous: 1,
      since: new Date(lastRefresh - 60 * MINUTE),
    });
    expect(repo.built.get('mv_cycle_time_analytics')!.since).toEqual(new Date(lastRefresh - 60 * MINUTE));
    expect(repo.built.get('mv_node_bottlenecks')!.since).toBeNull();
    expect(repo.states.get('mv_cycle_time_analytics')!.mode).toBe('incremental');
    expect(repo.states.get('mv_team_workload')!.mode).toBe('full');
    expect(repo.rows.has('mv_token_flow_summary:1')).toBe(false);
  });

  it('without new events, an incremental refresh starts at the late-commit margin before the last refresh', async () => {
    const { repo, service } = refresher();
    await service.refresh({ full: false });
    const lastRefresh = repo.states.get('mv_cycle_time_analytics')!.refreshedAt!.getTime();

    await service.refresh({ full: false });

    expect(repo.built.get('mv_cycle_time_analytics')!.since).toEqual(new Date(lastRefresh - 5 * MINUTE));
  });

  it('rebuilds everything when asked for a full refresh, even after a previous one', async () => {
    const { repo, service } = refresher();
    await service.refresh({ full: false });

    expect(await service.refresh({ full: true })).toMatchObject({ incremental: 0 });

    for (const view of VIEWS) expect(repo.built.get(view)!.since).toBeNull();
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
