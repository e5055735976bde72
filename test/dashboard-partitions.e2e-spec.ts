import { DataSource } from 'typeorm';
import { Phase10DashboardPartitions1764001010000 } from '../migrations/1764001010000-Phase10-DashboardPartitions.js';
import { Role } from '../src/common/auth/role.js';
import { DashboardRefreshRepository } from '../src/dashboard/dashboard-refresh.repository.js';
import { DashboardRefreshService } from '../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG } from '../src/dashboard/dashboard.schema.js';
import { toDbTime } from '../src/database/dialect.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { seededRandom as random } from '../scripts/seeded-random.js';
import { seedWorld, walkTokens, writeEvents, type Timeline } from './support/dashboard-factory.js';
import { expectedViews } from './support/dashboard-reference.js';
import { startTestApp, TestApp } from './support/test-app.js';

const SEED = Number(process.env.DASHBOARD_SEED ?? Date.now() % 100_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FLOW = 'mv_token_flow_summary';
const CYCLES = 'mv_cycle_time_analytics';

describe(`dashboard history partitions (seed ${SEED})`, () => {
  let t: TestApp;
  let ds: DataSource;
  let timelines: Timeline[];
  const now = Date.now();
  // a tenth of the tokens is held back a day and a half, then written: events older than the last refreshes
  const late = new Set<string>();

  const get = (path: string) => t.http().get(`/api/v1/dashboard/${path}`).set(t.auth(Role.Viewer));
  const answers = async () => {
    const bottlenecks = (await get('bottlenecks').expect(200)).body.data as Array<{
      windowStart: string;
      windowEnd: string;
    }>;
    const flow = (await get(`token-flow?from=${new Date(now - 30 * DAY).toISOString()}`).expect(200)).body.data;
    const cycles = (await get(`cycle-times?from=${new Date(now - 365 * DAY).toISOString().slice(0, 10)}`).expect(200))
      .body.data;
    const want = await expectedViews(ds, Date.parse(bottlenecks[0].windowStart), Date.parse(bottlenecks[0].windowEnd));
    return { got: { flow, cycles }, want: { flow: want.flow, cycles: want.cycles } };
  };
  /** Where the view's base generation ends (its split), as a time; none without one. */
  const split = async (view: string) => {
    const [{ key }] = await ds.query<Array<{ key: string | null }>>(
      `SELECT split_key AS \`key\` FROM mv_refresh_state WHERE view_name = ?`,
      [view],
    );
    return key === null ? Infinity : Date.parse(key.length === 10 ? `${key}T00:00:00Z` : `${key.replace(' ', 'T')}Z`);
  };
  /**
   * Every stored row, of every generation, of the partitions before `since` (the earliest new
   * event, and the late-commit margin the refresh also recomputes) and before the current split
   * (the partitions since then are moved into the base once): what a refresh must leave alone.
   */
  const closedBounds = async (since: number) => ({
    flowBefore: Math.floor(Math.min(since, await split(FLOW)) / HOUR) * HOUR,
    daysBefore: Math.floor(Math.min(since, await split(CYCLES)) / DAY) * DAY,
  });
  const closed = async ({ flowBefore, daysBefore }: Awaited<ReturnType<typeof closedBounds>>) => {
    return {
      flow: await ds.query(
        `SELECT generation, node_id, bucket_start, entered, exited, scrapped, wip FROM ${FLOW} WHERE bucket_start < ? ORDER BY generation, node_id, bucket_start`,
        [toDbTime(new Date(flowBefore))],
      ),
      cycles: await ds.query(
        `SELECT generation, product_code, day, tokens_finished, avg_cycle_ms, p50_cycle_ms, p90_cycle_ms FROM ${CYCLES} WHERE day < ? ORDER BY generation, product_code, day`,
        [toDbTime(new Date(daysBefore)).slice(0, 10)],
      ),
    };
  };
  const generations = async (view: string) =>
    (await ds.query<Array<{ generation: number | string }>>(`SELECT DISTINCT generation FROM ${view}`)).length;

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    ds = t.app.get(DataSource);
    const rnd = random(SEED);
    timelines = walkTokens(await seedWorld(ds, rnd, 'part'), rnd, 200, now, 'part');
    for (const tl of timelines) if (rnd() < 0.1) late.add(tl.serial);
    await writeEvents(ds, timelines, (tl) => (late.has(tl.serial) ? now - 36 * HOUR : now - 9 * HOUR));
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'test', reason: 'dashboard partition tests' });
    await t.app.get(DashboardRefreshService).refresh({ full: true });
  });
  afterAll(() => t.close());

  it('an incremental refresh leaves the closed partitions stored as they were and equals a full rebuild, refresh after refresh', async () => {
    const refresher = t.app.get(DashboardRefreshService);
    // each round: new events from `since` on, written up to `cut` (the late tokens' tail reaches back past earlier splits)
    const held = (at: number) => (tl: Timeline) => (late.has(tl.serial) ? now - 36 * HOUR : at);
    const rounds = [
      { since: now - 9 * HOUR, cut: held(now - 5 * HOUR) },
      { since: now - 5 * HOUR, cut: held(now - 2 * HOUR) },
      { since: now - 36 * HOUR, cut: () => now },
    ];
    for (const [i, round] of rounds.entries()) {
      const written = await writeEvents(ds, timelines, round.cut);
      expect({ round: i, written: written > 0 }).toEqual({ round: i, written: true });
      // the refresh also recomputes from a few minutes before the previous refresh (late commits)
      const since = Math.min(round.since, Date.now() - 10 * 60_000);
      const bounds = await closedBounds(since);
      const before = await closed(bounds);
      expect(before.flow.length).toBeGreaterThan(10);
      expect(before.cycles.length).toBeGreaterThan(0);

      const counts = await refresher.refresh({ full: false });

      expect(counts).toMatchObject({ views_refreshed: 4, incremental: 2 });
      expect({ round: i, closed: await closed(bounds) }).toEqual({
        round: i,
        closed: before,
      });
      const { got, want } = await answers();
      expect({ round: i, ...got }).toEqual({ round: i, ...want });
      // readers' rows are in two generations at most: the base and the current one
      for (const view of [FLOW, CYCLES]) expect(await generations(view)).toBeLessThanOrEqual(2);
    }

    const incremental = (await answers()).got;
    // the full rebuild deletes the old generations whole, in batches (here of 3 rows)
    const repository = t.app.get(DashboardRefreshRepository);
    repository.deleteBatch = 3;
    try {
      await refresher.refresh({ full: true });
    } finally {
      repository.deleteBatch = 5_000;
    }
    expect((await answers()).got).toEqual(incremental);
    for (const view of [FLOW, CYCLES]) expect(await generations(view)).toBe(1);
  });

  it('reverting the migration folds the base generation into the current one: one generation per view, the same figures', async () => {
    await writeEvents(
      ds,
      walkTokens(await seedWorld(ds, random(SEED + 1), 'fold'), random(SEED + 2), 30, now, 'fold'),
      () => now,
    );
    await t.app.get(DashboardRefreshService).refresh({ full: false });
    const before = (await answers()).got;
    const [state] = await ds.query<Array<{ generation: number | string; base_generation: number | string | null }>>(
      `SELECT generation, base_generation FROM mv_refresh_state WHERE view_name = ?`,
      [FLOW],
    );
    expect(state.base_generation).not.toBeNull();
    expect(Number(state.base_generation)).not.toBe(Number(state.generation));
    const migration = new Phase10DashboardPartitions1764001010000();
    const qr = ds.createQueryRunner();
    try {
      await migration.down(qr);
      // the schema before the migration: readers see one generation per view
      const flow = await qr.query(
        `SELECT v.node_id, v.bucket_start, v.wip FROM mv_refresh_state s JOIN ${FLOW} v ON v.generation = s.generation WHERE s.view_name = ? ORDER BY v.node_id, v.bucket_start`,
        [FLOW],
      );
      expect(flow.length).toBe(before.flow.length);
      expect(await generations(FLOW)).toBe(1);
      expect(await generations(CYCLES)).toBe(1);
      await migration.up(qr);
    } finally {
      await qr.release();
    }
    expect((await answers()).got).toEqual(before);
  });
});
