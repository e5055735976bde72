import { Role } from '../src/common/auth/role.js';
import { createLine, historyOf, startJob, tokensOf, type Line } from './production-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PARALLEL = 16;

/** Two replicas of the app on one database: nothing one holds in memory may decide a race. */
describe('production: races between stations and replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let line: Line;
  const replica = (i: number) => (i % 2 === 0 ? a : b);
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, a.db);
    line = await createLine(a, 'RACE');
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('lets exactly one of many parallel moves of one token win; the rest get 409 and write nothing', async () => {
    const jobId = await startJob(a, line.graphId, 'J-RACE-1', 1);
    const [token] = await tokensOf(a, jobId);
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        replica(i)
          .http()
          .post(`/api/v1/tokens/${token.id}/route`)
          .set(replica(i).auth(Role.Operator))
          .send({ toNodeId: line.node.A }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(PARALLEL - 1).fill(409)]);
    for (const r of results.filter((x) => x.status === 409))
      expect(['CONCURRENT_UPDATE', 'NO_SUCH_EDGE']).toContain(r.body.code);
    const history = await historyOf(a, token.id);
    expect(history.filter((e) => e.type === 'routed')).toHaveLength(1);
    const detail = await a.http().get(`/api/v1/tokens/${token.id}`).set(a.auth(Role.Viewer)).expect(200);
    expect(detail.body).toMatchObject({ nodeCode: 'A', version: 2 });
  });

  it('answers CONCURRENT_UPDATE to every loser when the clients send the version they saw', async () => {
    const jobId = await startJob(a, line.graphId, 'J-RACE-2', 1);
    const [token] = await tokensOf(a, jobId);
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        replica(i)
          .http()
          .post(`/api/v1/tokens/${token.id}/start`)
          .set(replica(i).auth(Role.Operator))
          .send({ expectedVersion: token.version }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(
      Array(PARALLEL - 1).fill('CONCURRENT_UPDATE'),
    );
    expect((await historyOf(a, token.id)).filter((e) => e.type === 'started')).toHaveLength(1);
  });

  it('spawns a job once when spawned in parallel', async () => {
    const jobId = await startJob(a, line.graphId, 'J-RACE-3', 40, false);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        replica(i).http().post(`/api/v1/jobs/${jobId}/spawn`).set(replica(i).auth(Role.Supervisor)),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(Array(5).fill('ALREADY_SPAWNED'));
    expect(await tokensOf(a, jobId)).toHaveLength(40);
  });

  it('does not advance a token twice for a double scan, sequential or parallel, on either replica', async () => {
    const jobId = await startJob(a, line.graphId, 'J-RACE-4', 2);
    const [first, second] = await tokensOf(a, jobId);
    const scan = (app: TestApp, barcode: string) =>
      app.http().post('/api/v1/scans').set(app.auth(Role.Station)).send({ stationCode: 'ST-S', barcode });

    const original = await scan(a, first.serial).expect(200);
    const repeat = await scan(b, first.serial).expect(200);
    expect(original.body).toMatchObject({ action: 'started', duplicate: false });
    expect(repeat.body).toEqual({ ...original.body, duplicate: true });
    expect((await historyOf(a, first.id)).map((e) => e.type)).toEqual(['spawned', 'started']);

    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => scan(replica(i), second.serial)));
    expect(burst.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(burst.filter((r) => !r.body.duplicate)).toHaveLength(1);
    expect(burst.every((r) => r.body.action === 'started' && r.body.token.version === 2)).toBe(true);
    expect((await historyOf(a, second.id)).map((e) => e.type)).toEqual(['spawned', 'started']);
  });
});

describe('production: the scan window', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: '300' });
  });
  afterAll(() => t.close());

  it('accepts the same scan again once the window has passed', async () => {
    const line = await createLine(t, 'WINDOW');
    const jobId = await startJob(t, line.graphId, 'J-WIN-1', 1);
    const [token] = await tokensOf(t, jobId);
    const scan = () =>
      t
        .http()
        .post('/api/v1/scans')
        .set(t.auth(Role.Station))
        .send({ stationCode: 'ST-S', barcode: token.serial })
        .expect(200);
    expect((await scan()).body).toMatchObject({ action: 'started', duplicate: false });
    expect((await scan()).body).toMatchObject({ action: 'started', duplicate: true });
    await new Promise((r) => setTimeout(r, 350));
    expect((await scan()).body).toMatchObject({ action: 'completed', duplicate: false, token: { nodeCode: 'A' } });
  });
});
