import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { DashboardRefreshService } from '../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG, REFRESH_JOB, VIEWS } from '../src/dashboard/dashboard.schema.js';
import { dialectOf, toDbTime } from '../src/database/dialect.js';
import { HISTORY_VIEWS, windowView, type BuildContext, type Statement } from '../src/dashboard/view-sql.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { seedWorld, walkTokens, writeEvents, type Timeline } from './support/dashboard-factory.js';
import { seededRandom as random } from '../scripts/seeded-random.js';
import { expectedViews, type Expected } from './support/dashboard-reference.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { testDbKind } from './support/test-database.js';

const SEED = Number(process.env.DASHBOARD_SEED ?? Date.now() % 100_000);
const HOUR = 3_600_000;

describe(`dashboard (seed ${SEED})`, () => {
  let t: TestApp;
  let ds: DataSource;
  let timelines: Timeline[];
  const now = Date.now();
  // the second batch: everything after `cut`, plus the late tail of some tokens from a day earlier
  const cut = now - 2 * HOUR;
  const late = new Set<string>();

  const get = (path: string) => t.http().get(`/api/v1/dashboard/${path}`).set(t.auth(Role.Viewer));
  // the widest ranges one answer covers, reaching back past every generated event
  const MONTH_AGO = new Date(now - 30 * 24 * HOUR).toISOString();
  const YEAR_AGO = new Date(now - 365 * 24 * HOUR).toISOString().slice(0, 10);
  const refresh = () => t.http().post('/api/v1/dashboard/refresh').set(t.auth(Role.Admin));
  const everything = async () => ({
    flow: (await get(`token-flow?from=${MONTH_AGO}`).expect(200)).body,
    bottlenecks: (await get('bottlenecks').expect(200)).body,
    teams: (await get('team-workload').expect(200)).body,
    cycles: (await get(`cycle-times?from=${YEAR_AGO}`).expect(200)).body,
  });
  /** The reference for the window the views were computed over. */
  const expected = async (answers: Awaited<ReturnType<typeof everything>>): Promise<Expected> => {
    const { windowStart, windowEnd } = answers.bottlenecks.data[0];
    return expectedViews(ds, Date.parse(windowStart), Date.parse(windowEnd));
  };
  const dataOf = (answers: Awaited<ReturnType<typeof everything>>) => ({
    flow: answers.flow.data,
    bottlenecks: answers.bottlenecks.data,
    teams: answers.teams.data,
    cycles: answers.cycles.data,
  });

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    ds = t.app.get(DataSource);
    const rnd = random(SEED);
    const world = await seedWorld(ds, rnd, 'dash');
    timelines = walkTokens(world, rnd, 240, now, 'dash');
    for (const tl of timelines) if (rnd() < 0.1) late.add(tl.serial);
    await writeEvents(ds, timelines, (tl) => (late.has(tl.serial) ? cut - 24 * HOUR : cut));
  });
  afterAll(() => t.close());

  it('answers 503 "Data unavailable" on every read while the flag is off, and refuses to refresh', async () => {
    for (const path of ['token-flow', 'bottlenecks', 'team-workload', 'cycle-times']) {
      const res = await get(path).expect(503);
      expect(res.body).toMatchObject({ code: 'DATA_UNAVAILABLE', message: 'Data unavailable' });
    }
    expect((await refresh().expect(409)).body.code).toBe('FEATURE_DISABLED');
    expect(await t.app.get(PhaseRegistry).get(10).verifyLegacy()).toEqual({ ok: true, detail: expect.any(String) });
  });

  it('answers an empty, stale view before the first refresh', async () => {
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'test', reason: 'dashboard tests' });
    expect((await get('bottlenecks').expect(200)).body).toEqual({ refreshedAt: null, stale: true, data: [] });
  });

  it('computes every figure of the four views exactly as the reference does from the raw events', async () => {
    const run = (await refresh().expect(200)).body;
    expect(run).toMatchObject({ mode: 'full', counts: { views_refreshed: 4, incremental: 0 } });
    const answers = await everything();
    for (const a of Object.values(answers)) expect(a).toMatchObject({ refreshedAt: expect.any(String), stale: false });
    const want = await expected(answers);
    expect(want.flow.length).toBeGreaterThan(50);
    expect(want.cycles.length).toBeGreaterThan(3);
    expect(want.bottlenecks.some((b) => (b.waitsMeasured as number) > 5)).toBe(true);
    expect(dataOf(answers)).toEqual(want);
  });

  it('filters token flow by node and time, and cycle times by product and day', async () => {
    const all = (await get(`token-flow?from=${MONTH_AGO}`).expect(200)).body.data as Expected['flow'];
    const nodeId = all[0].nodeId;
    const from = new Date(now - 30 * HOUR).toISOString();
    const to = new Date(now - 10 * HOUR).toISOString();
    const some = (await get(`token-flow?nodeId=${nodeId}&from=${from}&to=${to}`).expect(200)).body.data;
    expect(some).toEqual(all.filter((r) => r.nodeId === nodeId && r.bucketStart >= from && r.bucketStart < to));
    const cycles = (await get(`cycle-times?from=${YEAR_AGO}`).expect(200)).body.data as Expected['cycles'];
    const { productCode, day } = cycles[cycles.length - 1];
    expect((await get(`cycle-times?product=${productCode}&from=${day}&to=${day}`).expect(200)).body.data).toEqual(
      cycles.filter((c) => c.productCode === productCode && c.day === day),
    );
    const bad = await get('token-flow?from=yesterday&nodeId=0').expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'nodeId']);
    await get('cycle-times?from=2030-1-1').expect(400);
    // a range that holds nothing, and a date no DATETIME column holds
    const empty = await get('token-flow?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z').expect(400);
    expect(empty.body.errors).toEqual([{ field: 'to', messages: ['to must be after from'] }]);
    expect((await get('cycle-times?from=2030-01-02&to=2030-01-01').expect(400)).body.errors[0].field).toBe('to');
    expect((await get('token-flow?from=%2B010000-01-01T00:00:00Z').expect(400)).body.errors[0].field).toBe('from');
    // one answer covers at most a month of hourly flow and a year of daily cycle times
    const wide = await get('token-flow?from=2000-01-01T00:00:00Z').expect(400);
    expect(wide.body.errors).toEqual([
      { field: 'from', messages: ['the range may span at most 31 days; ask for a longer one in parts'] },
    ]);
    await get('token-flow?from=2030-01-01T00:00:00Z&to=2030-02-02T00:00:00Z').expect(400);
    await get('token-flow?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z').expect(200);
    expect((await get('cycle-times?from=2000-01-01').expect(400)).body.errors[0].field).toBe('from');
    await get('cycle-times?from=2030-01-01&to=2030-12-31').expect(200);
  });

  it('refreshes incrementally from the new events to exactly what a full rebuild gives', async () => {
    const written = await writeEvents(ds, timelines, () => now);
    expect(written).toBeGreaterThan(20);
    // a scheduled tick: the job refreshes incrementally
    const tick = await t.app.get(JobsService).tick(REFRESH_JOB, new Date());
    expect(tick).toMatchObject({
      status: 'succeeded',
      triggeredBy: 'schedule',
      counts: { views_refreshed: 4, incremental: 2 },
    });
    const [{ mode }] = await ds.query(`SELECT mode FROM mv_refresh_state WHERE view_name = 'mv_token_flow_summary'`);
    expect(mode).toBe('incremental');
    const incremental = await everything();
    const want = await expected(incremental);
    expect(dataOf(incremental)).toEqual(want);

    await refresh().expect(200);
    const full = await everything();
    expect({ flow: full.flow.data, cycles: full.cycles.data }).toEqual({
      flow: incremental.flow.data,
      cycles: incremental.cycles.data,
    });
  });

  it('builds history in short steps that yield to the event loop, to the same figures, in full and incrementally', async () => {
    const refresher = t.app.get(DashboardRefreshService);
    const steps: string[] = [];
    const notYielded: string[] = [];
    let turned = true;
    // small enough that busy hours are cut inside, between events of one time too
    refresher.chunkEvents = 7;
    refresher.beforeStep = async (step) => {
      steps.push(step);
      // every statement waits for a turn of the event loop: what was queued before it has run
      if (!step.endsWith(':flip') && !turned) notYielded.push(step);
      turned = false;
      setImmediate(() => (turned = true));
    };
    try {
      await refresher.refresh({ full: true });
      const full = await everything();
      expect(dataOf(full)).toEqual(await expected(full));
      await refresher.refresh({ full: false });
      const incremental = await everything();
      expect(dataOf(incremental)).toEqual(await expected(incremental));
    } finally {
      refresher.chunkEvents = 10_000;
      refresher.beforeStep = async () => undefined;
    }
    expect(notYielded).toEqual([]);
    // only SQLite, where a statement blocks the process, reads history in chunks
    const chunks = steps.filter((s) => /^mv_token_flow_summary:\d+$/.test(s)).length;
    if (testDbKind() === 'sqlite') expect(chunks).toBeGreaterThan(10);
    else expect(chunks).toBe(2);
  });

  it('keeps serving the previous data, whole, when a refresh fails midway, and the next refresh sweeps its leftovers', async () => {
    const refresher = t.app.get(DashboardRefreshService);
    const before = await everything();
    await writeEvents(
      ds,
      walkTokens(await seedWorld(ds, random(SEED + 1), 'more'), random(SEED + 2), 40, now, 'more'),
      () => now,
    );
    let staged = 0;
    refresher.beforeStep = async (step) => {
      if (step !== 'mv_token_flow_summary:flip') return;
      const [{ n }] = await ds.query(
        `SELECT COUNT(*) AS n FROM mv_token_flow_summary WHERE generation > (SELECT generation FROM mv_refresh_state WHERE view_name = 'mv_token_flow_summary')`,
      );
      staged = Number(n);
      // the new generation is fully written and not yet switched to: readers still see the old one
      expect(await everything()).toEqual(before);
      throw new Error('injected fault before the switch');
    };
    try {
      const res = await refresh().expect(503);
      expect(res.body).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('injected fault') });
    } finally {
      refresher.beforeStep = async () => undefined;
    }
    expect(staged).toBeGreaterThan(0);
    expect(await everything()).toEqual(before);

    await refresh().expect(200);
    const after = await everything();
    expect(dataOf(after)).toEqual(await expected(after));
    for (const view of VIEWS) {
      const generations = await ds.query(`SELECT DISTINCT generation FROM ${view}`);
      expect({ view, generations: generations.length }).toEqual({ view, generations: 1 });
    }
  });

  it('marks answers stale after three refresh intervals', async () => {
    await ds.query(`UPDATE mv_refresh_state SET refreshed_at = ? WHERE view_name = 'mv_team_workload'`, [
      toDbTime(new Date(Date.now() - 181_000)),
    ]);
    expect((await get('team-workload').expect(200)).body.stale).toBe(true);
    expect((await get('bottlenecks').expect(200)).body.stale).toBe(false);
  });

  it('exports when each view was refreshed and how long it took', async () => {
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    for (const view of VIEWS) {
      expect(metrics).toMatch(new RegExp(`dashboard_view_refreshed_at_seconds\\{view="${view}"\\} \\d{10}`));
      expect(metrics).toMatch(new RegExp(`dashboard_view_refresh_duration_seconds\\{view="${view}"\\} [\\d.]+`));
    }
    expect(metrics).toMatch(/phase_job_runs_total\{job="refresh-dashboard-materialized-views",status="succeeded"\} \d/);
  });

  /** A build of the last 24 hours' window, for EXPLAIN. */
  const context = (): BuildContext => ({
    dialect: dialectOf(ds),
    generation: 999,
    kept: null,
    watermark: 1e9,
    windowStart: new Date(now - 24 * HOUR),
    windowEnd: new Date(now),
  });

  /** A statement's plan, as the dialect's EXPLAIN gives it. */
  const planOf = ({ sql, params }: Statement): Promise<Array<Record<string, unknown>>> =>
    ds.query(`${dialectOf(ds) === 'mysql' ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${sql}`, params);
  const windowPlan = (view: 'mv_node_bottlenecks' | 'mv_team_workload') => planOf(windowView(view, context()));

  /** The rows of a plan that read token_event through the typed index, and how many of them read it alone. */
  const typedReads = (plan: Array<Record<string, unknown>>) => {
    const reads = plan.filter((row) =>
      dialectOf(ds) === 'mysql'
        ? row.key === 'idx_token_event_typed' && row.type === 'range'
        : /SEARCH \w+ USING (COVERING )?INDEX idx_token_event_typed \(type=\? AND occurred_at>\?/.test(
            String(row.detail),
          ),
    );
    return { reads: reads.length, alone: reads.filter(indexAlone).length };
  };

  /** Whether a plan row reads its index alone ("Using index condition" still reads the table). */
  const indexAlone = (row: Record<string, unknown>) =>
    dialectOf(ds) === 'mysql'
      ? String(row.Extra).split('; ').includes('Using index')
      : /USING COVERING INDEX/.test(String(row.detail));

  it("the window views read one type's events of the window from the typed index alone: never every event, never the table", async () => {
    // waits and processing times in the bottlenecks, completions in the team workload
    for (const [view, reads] of [
      ['mv_node_bottlenecks', 2],
      ['mv_team_workload', 1],
    ] as const) {
      const plan = await windowPlan(view);
      expect({ view, plan, ...typedReads(plan) }).toMatchObject({ view, reads, alone: reads });
    }
  });

  it("a history step reads its events through the typed index, and the table only for a routed event's payload", async () => {
    const step = { from: new Date(now - 2 * HOUR), until: null };
    // token flow: the moves from the index alone, the routed events' origins from the table; cycle times: the finishes alone
    for (const [view, reads, alone] of [
      ['mv_token_flow_summary', 2, 1],
      ['mv_cycle_time_analytics', 1, 1],
    ] as const) {
      const plan = await planOf(HISTORY_VIEWS[view].chunk(context(), step));
      expect({ view, plan, ...typedReads(plan) }).toMatchObject({ view, reads, alone });
    }
  });

  it("the waits and processing times read each window token's history from the token history index alone, never the table", async () => {
    const plan = await windowPlan('mv_node_bottlenecks');
    const indexOnly = plan.filter(
      (row) =>
        indexAlone(row) &&
        (dialectOf(ds) === 'mysql'
          ? row.table === 'e' && row.key === 'idx_token_event_token_history'
          : /SEARCH e USING COVERING INDEX idx_token_event_token_history \(token_id=\?/.test(String(row.detail))),
    );
    expect({ plan, indexOnly: indexOnly.length }).toMatchObject({ indexOnly: 2 });
  });

  it('reads the open work (queues, team workload) from the token status indexes, never a scan of every token', async () => {
    const tokenReads = (plan: Array<Record<string, unknown>>) =>
      plan
        .filter((row) =>
          dialectOf(ds) === 'mysql'
            ? row.table === 'token' || row.table === 'tk'
            : /^(SCAN|SEARCH) (token|tk)\b/.test(String(row.detail)),
        )
        .map((row) => (dialectOf(ds) === 'mysql' ? `${String(row.type)} ${String(row.key)}` : String(row.detail)));
    const statusRead =
      dialectOf(ds) === 'mysql'
        ? /^(range|ref) idx_token_status(_node)?$/
        : /^SEARCH (token|tk) USING INDEX idx_token_status(_node)? \(status=\?/;
    for (const [view, reads] of [
      ['mv_node_bottlenecks', 1],
      ['mv_team_workload', 2],
    ] as const) {
      const found = tokenReads(await windowPlan(view));
      expect({ view, found }).toEqual({
        view,
        found: Array.from({ length: reads }, () => expect.stringMatching(statusRead)),
      });
    }
  });

  it('goes back to "Data unavailable" when the flag is switched off, with the tables left in place', async () => {
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, false, { actor: 'test', reason: 'dashboard off' });
    expect((await get('cycle-times').expect(503)).body.message).toBe('Data unavailable');
    const [{ n }] = await ds.query(`SELECT COUNT(*) AS n FROM mv_token_flow_summary`);
    expect(Number(n)).toBeGreaterThan(0);
  });
});
