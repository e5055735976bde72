import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { DashboardRefreshService } from '../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG, PHASE_10_SCHEMA, REFRESH_JOB } from '../src/dashboard/dashboard.schema.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { RollbackLog } from '../src/phases/rollback/rollback-log.service.js';
import { RollForwardService } from '../src/phases/rollback/roll-forward.service.js';
import { seedWorld, walkTokens, writeEvents } from './support/dashboard-factory.js';
import { seededRandom as random } from '../scripts/seeded-random.js';
import { expectedViews } from './support/dashboard-reference.js';
import { tableExists } from './support/rollback-support.js';
import { sleep, waitFor } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';

const SEED = Number(process.env.DASHBOARD_SEED ?? Date.now() % 100_000);

describe(`dashboard rollback (seed ${SEED})`, () => {
  let t: TestApp;
  let ds: DataSource;
  const change = { actor: 'test', reason: 'dashboard rollback drill' };
  const admin = () => t.auth(Role.Admin);
  const tables = PHASE_10_SCHEMA.tables.map((table) => table.name);
  const existing = async () => (await Promise.all(tables.map((name) => tableExists(ds, name)))).filter(Boolean).length;

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    ds = t.app.get(DataSource);
    const rnd = random(SEED);
    await writeEvents(ds, walkTokens(await seedWorld(ds, rnd, 'rb'), rnd, 120, Date.now(), 'rb'), () => Date.now());
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, true, change);
    await t.http().post('/api/v1/dashboard/refresh').set(admin()).expect(200);
  });
  afterAll(() => t.close());

  it('drops the views only once the running refresh has stopped; enabling and one refresh rebuild them', async () => {
    const refresher = t.app.get(DashboardRefreshService);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    refresher.beforeStep = async (step) => {
      if (step !== 'mv_node_bottlenecks:0') return;
      holding = true;
      await held;
    };
    const refreshing = t
      .http()
      .post('/api/v1/dashboard/refresh')
      .set(admin())
      .then((res) => res);
    await waitFor(async () => holding, 10_000);

    const rollingBack = t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(admin())
      .send({ phase: 10, revertSchema: true, reason: 'dashboard drill' })
      .then((res) => res);
    const stopStep = async () => (await t.app.get(RollbackLog).list(1))[0]?.steps.find((s) => s.name === 'stop-jobs');
    await waitFor(async () => (await stopStep())?.status === 'running', 10_000);
    await sleep(500);
    // the flag is already off and the rollback waits for the refresh: the tables are still there
    expect((await t.http().get('/api/v1/dashboard/bottlenecks').set(t.auth(Role.Viewer)).expect(503)).body.code).toBe(
      'DATA_UNAVAILABLE',
    );
    expect((await stopStep())?.status).toBe('running');
    expect(await existing()).toBe(tables.length);

    release();
    refresher.beforeStep = async () => undefined;
    const refreshed = await refreshing;
    // stopped between views: the one it was writing is finished and swapped in, the rest left alone
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.counts.views_refreshed).toBe(2);
    const rollback = (await rollingBack).body;
    expect(rollback).toMatchObject({ status: 'completed', phases: [10], dataLoss: true });
    const steps = Object.fromEntries(rollback.steps.map((s: { name: string }) => [s.name, s]));
    expect(steps['stop-jobs'].detail).toMatch(new RegExp(`${REFRESH_JOB} stopped after waiting \\d+ ms`));
    expect(steps['revert-schema']).toMatchObject({
      status: 'done',
      detail: expect.stringContaining('Phase10Dashboard'),
    });
    expect(steps['verify-legacy']).toMatchObject({ status: 'done' });
    const [run] = (await t.http().get(`/api/v1/admin/jobs/${REFRESH_JOB}/runs`).set(admin()).expect(200)).body;
    expect(run.status).toBe('succeeded');
    expect(Date.parse(run.finishedAt)).toBeLessThanOrEqual(Date.parse(steps['revert-schema'].startedAt));
    expect(await existing()).toBe(0);
    expect((await t.http().get('/api/v1/dashboard/token-flow').set(t.auth(Role.Viewer)).expect(503)).body.message).toBe(
      'Data unavailable',
    );

    const forward = await t.app.get(RollForwardService).enable(10, {}, change);
    expect(forward).toMatchObject({
      migrationsApplied: ['Phase10Dashboard1764001000000', 'Phase10DashboardPartitions1764001010000'],
      flagsOn: [DASHBOARD_FLAG],
      jobsResumed: [REFRESH_JOB],
    });
    expect(await existing()).toBe(tables.length);
    await t.http().post('/api/v1/dashboard/refresh').set(admin()).expect(200);
    const bottlenecks = (await t.http().get('/api/v1/dashboard/bottlenecks').set(t.auth(Role.Viewer)).expect(200)).body;
    const cycles = (
      await t
        .http()
        .get(`/api/v1/dashboard/cycle-times?from=${new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10)}`)
        .set(t.auth(Role.Viewer))
        .expect(200)
    ).body;
    const want = await expectedViews(
      ds,
      Date.parse(bottlenecks.data[0].windowStart),
      Date.parse(bottlenecks.data[0].windowEnd),
    );
    expect({ bottlenecks: bottlenecks.data, cycles: cycles.data }).toEqual({
      bottlenecks: want.bottlenecks,
      cycles: want.cycles,
    });
    expect(cycles.data.length).toBeGreaterThan(0);
  });
});
