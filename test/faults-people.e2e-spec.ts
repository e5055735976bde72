import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { PEOPLE_JOBS } from '../src/people/people-sync.service.js';
import { startPeopleSim, type PeopleSim } from '../scripts/people-api-sim.js';
import { buildLine, newJob, setFlag, tokensOf, type Line } from './assignment-fixture.js';
import { peopleFallbacks, runSync, snapshot, startPeopleApp } from './support/people.js';
import { waitFor } from './support/wait.js';
import type { TestApp } from './support/test-app.js';

const TTL_MS = 6000;
// the simulator answers from this process's event loop, shared with the app under test: a
// healthy answer on a loaded machine can take a few hundred milliseconds
const TIMEOUT_MS = 1000;
const CACHES = ['people_operator_cache', 'people_team_cache', 'people_availability_cache'];
/** Active in the local accounts; every 50th operator is inactive in the People system. */
const PEOPLE_INACTIVE = 'E00050';

/**
 * Issue 10's People-API faults end to end: whatever the People API does (refuse connections,
 * answer too slowly, answer HTML), a sync run fails with the reason recorded, the caches stay
 * exactly as the last good run left them, and once they expire Phase 7 assigns from the
 * local accounts.
 */
describe('faults: the People API down, slow or answering garbage', () => {
  let sim: PeopleSim;
  let port: number;
  let t: TestApp;
  let db: DataSource;
  let line: Line;
  let before: string[];

  const caches = () => Promise.all(CACHES.map((table) => snapshot(db, table)));
  const lastError = async () =>
    (await t.http().get('/api/v1/people/sync-errors?limit=1').set(t.auth(Role.Admin)).expect(200)).body[0];
  const lastRun = async () =>
    (await t.http().get('/api/v1/people/sync-status').set(t.auth(Role.Viewer)).expect(200)).body.jobs[0];
  const assignedAtStart = async () => {
    const [token] = await tokensOf(t, await newJob(t, line, 1));
    const [entry] = (
      await t.http().get(`/api/v1/assignment/log?tokenId=${token.id}`).set(t.auth(Role.Viewer)).expect(200)
    ).body.items;
    const candidate = entry.candidates.find((c: { operatorId: number }) => c.operatorId === line.op(50));
    return { token, entry, exclusions: candidate.exclusions.map((e: { reason: string }) => e.reason) };
  };
  const fallbacks = () => peopleFallbacks(t, 'directory', 'cache_expired');

  beforeAll(async () => {
    sim = await startPeopleSim({ size: 60 });
    port = Number(new URL(sim.url).port);
    t = await startPeopleApp(sim, {
      PEOPLE_CACHE_TTL_MS: String(TTL_MS),
      PEOPLE_API_TIMEOUT_MS: String(TIMEOUT_MS),
      PEOPLE_API_MAX_RETRIES: '1',
      ASSIGNMENT_CACHE_TTL_MS: '0',
    });
    db = t.app.get(DataSource);
    line = await buildLine(t, 0);
    const op = new Map<number, number>();
    for (const [n, code] of [
      [50, PEOPLE_INACTIVE],
      [2, 'E00002'],
    ] as const) {
      op.set(
        n,
        (
          await t
            .http()
            .post('/api/v1/operators')
            .set(t.auth(Role.Supervisor))
            .send({ code, name: `Local ${code}` })
            .expect(201)
        ).body.id,
      );
    }
    line = { ...line, op: (n) => op.get(n)! };
    const entries = [
      { operatorCode: PEOPLE_INACTIVE, priority: 1 },
      { operatorCode: 'E00002', priority: 2 },
    ];
    await t
      .http()
      .put(`/api/v1/assignment/plans/nodes/${line.node.START}`)
      .set(t.auth(Role.Supervisor))
      .send({ entries })
      .expect(200);
    await setFlag(t, 'enable_assignment_runtime', true);
    for (const job of Object.values(PEOPLE_JOBS)) expect((await runSync(t, job)).status).toBe('succeeded');
    before = await caches();
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('with the cache fresh, Phase 7 asks the People system, which knows the operator is inactive', async () => {
    const { entry, exclusions } = await assignedAtStart();
    expect(exclusions).toContain('inactive');
    expect(entry.directory).toBe('people');
    // whether E00002 is on a People shift depends on the hour; off shift, the manual plan takes the token
    expect(entry.method === 'auto' ? entry.operatorId : entry.reason).toBe(
      entry.method === 'auto' ? line.op(2) : 'no_candidate',
    );
  });

  it('down (connection refused): the run fails saying so and the caches are untouched', async () => {
    await sim.close();
    try {
      const run = await runSync(t, PEOPLE_JOBS.operators);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/network error .*gave up after 2 attempts/);
      expect(await lastError()).toMatchObject({ error: `run failed, cache left unchanged: ${run.error}` });
      expect(await lastRun()).toMatchObject({ lastRun: { status: 'failed' }, cache: { state: 'fresh' } });
      expect(await caches()).toEqual(before);
    } finally {
      // back on the same port, for the tests after this one
      sim = await startPeopleSim({ size: 60, port });
    }
  });

  it('slow (every answer later than the client timeout): the run fails saying so and the caches are untouched', async () => {
    sim.setFaults({ latencyMs: TIMEOUT_MS * 2 });
    const run = await runSync(t, PEOPLE_JOBS.operators).finally(() => sim.setFaults({ latencyMs: 0 }));
    expect(run.status).toBe('failed');
    expect(run.error).toBe(`/v1/operators: no answer within ${TIMEOUT_MS} ms, gave up after 2 attempts`);
    expect(await lastError()).toMatchObject({ error: `run failed, cache left unchanged: ${run.error}` });
    expect(await caches()).toEqual(before);
  });

  it('garbage (HTML where JSON belongs): the run fails at once, without retrying, and the caches are untouched', async () => {
    sim.setFaults({ garbage: 1 });
    const run = await runSync(t, PEOPLE_JOBS.teams);
    expect(run).toMatchObject({ status: 'failed', error: '/v1/teams: the answer is not JSON' });
    expect(sim.stats().garbage).toBe(1);
    expect(await lastError()).toMatchObject({ error: `run failed, cache left unchanged: ${run.error}` });
    expect(await caches()).toEqual(before);
    // the next run gets JSON again and succeeds
    expect((await runSync(t, PEOPLE_JOBS.teams)).status).toBe('succeeded');
    before = await caches();
  });

  it('with the API down until the cache expires, Phase 7 assigns from the local accounts, logged as a fallback', async () => {
    await sim.close();
    const fallbacksBefore = await fallbacks();
    await waitFor(async () => (await lastRun()).cache.state === 'stale', TTL_MS * 2, 100);
    expect((await runSync(t, PEOPLE_JOBS.operators)).status).toBe('failed');

    const { token, entry, exclusions } = await assignedAtStart();
    expect(exclusions).toEqual([]);
    expect(token.accountId).toBe(line.op(50));
    expect(entry).toMatchObject({ method: 'auto', operatorId: line.op(50), directory: 'local' });
    expect(await fallbacks()).toBe(fallbacksBefore + 1);
    expect(await caches()).toEqual(before);
  });
});
