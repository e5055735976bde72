import { Role } from '../src/common/auth/role.js';
import { createLine, startJob, type Line } from './production-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('production: token lists', () => {
  let t: TestApp;
  let line: Line;
  const list = (query: string) => t.http().get(`/api/v1/tokens?${query}`).set(t.auth(Role.Viewer));
  beforeAll(async () => {
    t = await startTestApp();
    line = await createLine(t, 'LIST');
    await t
      .http()
      .post('/api/v1/operators')
      .set(t.auth(Role.Supervisor))
      .send({ code: 'OP-L', name: 'Lister' })
      .expect(201);
    await t
      .http()
      .put(`/api/v1/nodes/${line.node.S}/assignment`)
      .set(t.auth(Role.Supervisor))
      .send({ operatorCode: 'OP-L' })
      .expect(200);
  });
  afterAll(() => t.close());

  it('pages by id with an opaque cursor, never skipping or repeating while tokens are added', async () => {
    const first = await startJob(t, line.graphId, 'J-PAGE-1', 23);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: Array<{ serial: string }>; nextCursor: string | null } } = await list(
        `jobId=${first}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ).expect(200);
      seen.push(...res.body.items.map((x: { serial: string }) => x.serial));
      cursor = res.body.nextCursor;
      // another job spawned mid-way, and a token of this job moved: neither shifts the pages
      if (++pages === 2) {
        await startJob(t, line.graphId, 'J-PAGE-2', 7);
        const moved = await list(`jobId=${first}&limit=1`).expect(200);
        await t
          .http()
          .post(`/api/v1/tokens/${moved.body.items[0].id}/start`)
          .set(t.auth(Role.Operator))
          .send({})
          .expect(200);
      }
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `J-PAGE-1-${String(i + 1).padStart(4, '0')}`));

    const all = await list('limit=500').expect(200);
    expect(all.body.items).toHaveLength(30);
    expect(all.body.nextCursor).toBeNull();
  });

  it('filters by job, status, current node, assigned operator and team', async () => {
    const jobId = await startJob(t, line.graphId, 'J-FILTER', 4);
    const operatorId = (await t.http().get('/api/v1/operators').set(t.auth(Role.Viewer))).body[0].id;
    expect((await list(`jobId=${jobId}`)).body.items).toHaveLength(4);
    expect(
      (await list(`jobId=${jobId}&status=waiting&nodeId=${line.node.S}&operatorId=${operatorId}`)).body.items,
    ).toHaveLength(4);
    expect((await list(`jobId=${jobId}&status=in_progress`)).body.items).toHaveLength(0);
    expect((await list(`jobId=${jobId}&nodeId=${line.node.A}`)).body.items).toHaveLength(0);
    expect((await list(`jobId=${jobId}&teamId=1`)).body.items).toHaveLength(0);
  });

  it('refuses a cursor it did not issue', async () => {
    const res = await list('cursor=not-a-cursor').expect(400);
    expect(res.body.errors).toEqual([{ field: 'cursor', messages: ['cursor is not one this API returned'] }]);
  });
});
