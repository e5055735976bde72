import { Role } from '../src/common/auth/role.js';
import { createLine, startJob, tokensOf, type Line } from './production-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The shop floor's reads: a line's live load per node and the jobs' progress, from the core tables. */
describe('production: the floor views of a line and its jobs', () => {
  let t: TestApp;
  let line: Line;
  const viewer = () => t.auth(Role.Viewer);
  const load = async () => (await t.http().get(`/api/v1/floor/lines/${line.graphId}`).set(viewer()).expect(200)).body;
  const scan = (barcode: string, stationCode: string) =>
    t.http().post('/api/v1/scans').set(t.auth(Role.Station)).send({ stationCode, barcode }).expect(200);

  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: '0' });
    line = await createLine(t, 'FLOOR');
  });
  afterAll(() => t.close());

  it('counts every node at zero before any work, with no bottleneck', async () => {
    const body = await load();
    expect(body).toMatchObject({ graphId: line.graphId, windowMinutes: 60, bottleneckNodeId: null });
    expect(new Date(body.at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(body.nodes.map((n: { nodeCode: string }) => n.nodeCode)).toEqual(['S', 'A', 'Q', 'R', 'P', 'E']);
    for (const n of body.nodes)
      expect(n).toEqual({
        nodeId: line.node[n.nodeCode],
        nodeCode: n.nodeCode,
        waiting: 0,
        inProgress: 0,
        finished: 0,
      });
  });

  it('follows tokens through the line: waiting, in progress, finished in the last hour, the longest queue', async () => {
    const jobId = await startJob(t, line.graphId, 'J-FLOOR-1', 4);
    const [a, b, c] = await tokensOf(t, jobId);
    const counts = async () =>
      Object.fromEntries(
        (await load()).nodes.map((n: { nodeCode: string; waiting: number; inProgress: number; finished: number }) => [
          n.nodeCode,
          [n.waiting, n.inProgress, n.finished],
        ]),
      );
    expect((await counts()).S).toEqual([4, 0, 0]);
    expect((await load()).bottleneckNodeId).toBe(line.node.S);
    await scan(a.serial, 'ST-S');
    expect((await counts()).S).toEqual([3, 1, 0]);
    await scan(a.serial, 'ST-S');
    await scan(b.serial, 'ST-S');
    await scan(b.serial, 'ST-S');
    await scan(c.serial, 'ST-S');
    await scan(c.serial, 'ST-S');
    await scan(a.serial, 'ST-A');
    // S: one left waiting, three finished; A: two waiting, one in progress
    expect(await counts()).toMatchObject({ S: [1, 0, 3], A: [2, 1, 0] });
    expect((await load()).bottleneckNodeId).toBe(line.node.A);
    // through to the end node: arriving there counts as finished at E
    await scan(a.serial, 'ST-A');
    await scan(a.serial, 'ST-Q');
    await scan(a.serial, 'ST-Q');
    await scan(a.serial, 'ST-P');
    await scan(a.serial, 'ST-P');
    expect(await counts()).toMatchObject({ A: [2, 0, 1], Q: [0, 0, 1], P: [0, 0, 1], E: [0, 0, 1] });
  });

  it('shows each job with its progress and late flag, filtered by status, product and due date', async () => {
    const sup = t.auth(Role.Supervisor);
    const past = await t
      .http()
      .post('/api/v1/jobs')
      .set(sup)
      .send({
        code: 'J-LATE',
        graphId: line.graphId,
        productCode: 'P-LATE',
        quantity: 2,
        dueAt: '2020-01-01T00:00:00Z',
      })
      .expect(201);
    const future = await t
      .http()
      .post('/api/v1/jobs')
      .set(sup)
      .send({
        code: 'J-LATER',
        graphId: line.graphId,
        productCode: 'P-LATE',
        quantity: 2,
        dueAt: '2099-01-01T00:00:00Z',
      })
      .expect(201);
    const all = (await t.http().get('/api/v1/floor/jobs').set(viewer()).expect(200)).body;
    expect(all.map((j: { code: string }) => j.code)).toEqual(['J-LATER', 'J-LATE', 'J-FLOOR-1']);
    const first = all.find((j: { code: string }) => j.code === 'J-FLOOR-1');
    expect(first).toMatchObject({
      status: 'in_progress',
      quantity: 4,
      openTokens: 3,
      tokensDone: 1,
      tokensScrapped: 0,
      late: false,
    });
    expect(all.find((j: { code: string }) => j.code === 'J-LATE')).toMatchObject({
      id: past.body.id,
      late: true,
      tokensDone: 0,
      status: 'planned',
    });
    const q = async (query: string) =>
      (await t.http().get(`/api/v1/floor/jobs?${query}`).set(viewer()).expect(200)).body.map(
        (j: { code: string }) => j.code,
      );
    expect(await q('productCode=P-LATE')).toEqual(['J-LATER', 'J-LATE']);
    expect(await q('status=in_progress')).toEqual(['J-FLOOR-1']);
    expect(await q('dueBefore=2030-01-01T00:00:00Z')).toEqual(['J-LATE']);
    expect(await q('dueAfter=2030-01-01T00:00:00Z')).toEqual(['J-LATER']);
    expect(await q('limit=1')).toEqual(['J-LATER']);
    // a cancelled job is not late, whatever its due date
    await t.http().post(`/api/v1/jobs/${past.body.id}/cancel`).set(sup).send({ reason: 'test' }).expect(200);
    expect(
      (await t.http().get('/api/v1/floor/jobs?productCode=P-LATE').set(viewer()).expect(200)).body.map(
        (j: { late: boolean }) => j.late,
      ),
    ).toEqual([false, false]);
    expect(future.body.id).toBeGreaterThan(past.body.id);
  });

  it('answers a bad filter with 400 per field, an unknown graph with 404, and no key with 401', async () => {
    const bad = await t.http().get('/api/v1/floor/jobs?status=lost&dueBefore=soon&limit=0').set(viewer()).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['dueBefore', 'limit', 'status']);
    expect((await t.http().get('/api/v1/floor/lines/999999').set(viewer()).expect(404)).body.code).toBe('NOT_FOUND');
    await t.http().get('/api/v1/floor/lines/abc').set(viewer()).expect(400);
    await t.http().get(`/api/v1/floor/lines/${line.graphId}`).expect(401);
    await t.http().get('/api/v1/floor/jobs').set(t.auth(Role.Station)).expect(200);
  });
});
