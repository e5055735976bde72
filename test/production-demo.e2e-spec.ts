import { Role } from '../src/common/auth/role.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('production: the demo factory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('seeds once, and a new user can scan at once', async () => {
    const seeded = await t.app.get(DemoSeedService).seed();
    expect(seeded.created).toBe(true);
    expect(await t.app.get(DemoSeedService).seed()).toEqual({
      created: false,
      graphId: seeded.graphId,
      jobs: [],
      extras: [],
    });

    const viewer = t.auth(Role.Viewer);
    const graph = await t.http().get(`/api/v1/graphs/${seeded.graphId}`).set(viewer).expect(200);
    expect(graph.body.nodes).toHaveLength(8);
    expect(
      graph.body.edges
        .filter((e: { from: string }) => e.from === 'QC')
        .map((e: { outcome: string }) => e.outcome)
        .sort(),
    ).toEqual(['fail', 'pass']);
    expect((await t.http().get('/api/v1/operators').set(viewer)).body).toHaveLength(20);
    expect((await t.http().get('/api/v1/teams').set(viewer)).body).toHaveLength(3);
    const jobs = (await t.http().get('/api/v1/jobs').set(viewer)).body;
    expect(jobs.map((j: { code: string; status: string }) => `${j.code}:${j.status}`)).toEqual([
      'DEMO-J001:in_progress',
      'DEMO-J002:in_progress',
      'DEMO-J003:released',
    ]);

    const scan = await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-KIT', barcode: 'DEMO-J001-0001' })
      .expect(200);
    expect(scan.body).toMatchObject({ action: 'started', token: { nodeCode: 'KIT' } });
    // about forty small transactions: beyond jest's default 5 s on a busy machine with MariaDB
  }, 30_000);
});
