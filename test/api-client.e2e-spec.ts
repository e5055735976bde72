import { readFileSync } from 'node:fs';
import createClient, { type Middleware } from 'openapi-fetch';
import { apiTypes } from '../scripts/api-types.js';
import { Role } from '../src/common/auth/role.js';
import { LINE_EDGES, LINE_NODES } from './production-fixtures.js';
import { checkedFetch } from './support/openapi-contract.js';
import type { components, paths } from './support/phasegate-api.js';
import { startTestApp, TestApp } from './support/test-app.js';

type NodeKind = components['schemas']['NodeInputDto']['kind'];

/**
 * What a factory app does: it generates types from /docs-json (openapi-typescript) and calls
 * Phasegate through openapi-fetch, knowing nothing but the document. The main flow, driven
 * that way, proves the document is enough to write a client.
 */
describe('typed client generated from /docs-json', () => {
  let t: TestApp;
  let client: ReturnType<typeof createClient<paths>>;

  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: '0', JOBS_ENABLED: 'false' });
    await t.app.listen(0, '127.0.0.1');
    const auth: Middleware = {
      onRequest: ({ request }) => {
        request.headers.set('Authorization', `Bearer ${t.keys[Role.Admin]}`);
        return request;
      },
    };
    // every response the client receives is checked against the document too
    client = createClient<paths>({ baseUrl: await t.app.getUrl(), fetch: (request) => checkedFetch(request) });
    client.use(auth);
  });
  afterAll(() => t?.close());

  it('the committed types are those of the current document (else: npm run api:types)', async () => {
    const document = (await t.http().get('/docs-json').expect(200)).body as object;
    const committed = readFileSync(new URL('./support/phasegate-api.ts', import.meta.url), 'utf8');
    expect(
      committed === (await apiTypes(document))
        ? 'current'
        : 'stale: run `npm run api:types` and commit test/support/phasegate-api.ts',
    ).toBe('current');
  });

  it('drives the main flow: graph, job, spawn, scans, flags, rollback', async () => {
    const graph = await client.POST('/api/v1/graphs', {
      body: {
        code: 'CLIENT',
        name: 'Typed client line',
        nodes: LINE_NODES.map((n) => ({ ...n, kind: n.kind as NodeKind })),
        edges: LINE_EDGES,
      },
    });
    expect(graph.response.status).toBe(201);
    const graphId = graph.data!.id;

    const job = await client.POST('/api/v1/jobs', {
      body: { code: 'J-CLIENT', graphId, productCode: 'WIDGET', quantity: 2, dueAt: '2030-03-05T08:00:00+01:00' },
    });
    expect(job.data).toMatchObject({ code: 'J-CLIENT', status: 'planned', dueAt: '2030-03-05T07:00:00.000Z' });
    const jobId = job.data!.id;
    expect((await client.POST('/api/v1/jobs/{id}/release', { params: { path: { id: jobId } } })).data?.status).toBe(
      'released',
    );
    const spawned = await client.POST('/api/v1/jobs/{id}/spawn', { params: { path: { id: jobId } } });
    expect(spawned.data).toEqual({ jobId, spawned: 2, firstSerial: 'J-CLIENT-0001', lastSerial: 'J-CLIENT-0002' });

    // one token walks the whole line by station scans; QC passes
    const serial = spawned.data!.firstSerial;
    for (const station of ['ST-S', 'ST-A', 'ST-Q', 'ST-P']) {
      for (const action of ['started', station === 'ST-P' ? 'finished' : 'completed']) {
        const scan = await client.POST('/api/v1/scans', {
          body: { stationCode: station, barcode: serial, outcome: 'pass' },
        });
        expect([station, scan.data?.action]).toEqual([station, action]);
      }
    }
    const tokens = await client.GET('/api/v1/tokens', { params: { query: { jobId } } });
    expect(tokens.data!.items.map((x) => [x.serial, x.status])).toEqual([
      [serial, 'done'],
      ['J-CLIENT-0002', 'waiting'],
    ]);

    // a refusal reaches the client as the documented error body
    const wrong = await client.POST('/api/v1/scans', { body: { stationCode: 'ST-Q', barcode: 'J-CLIENT-0002' } });
    expect(wrong.response.status).toBe(409);
    expect(wrong.error).toMatchObject({ code: 'WRONG_STATION' });

    const flag = await client.PUT('/api/v1/admin/flags/{key}', {
      params: { path: { key: 'enable_production_dashboard' } },
      body: { enabled: true, reason: 'typed client' },
    });
    expect(flag.data).toMatchObject({ key: 'enable_production_dashboard', enabled: true, effective: true });

    const plan = await client.POST('/api/v1/admin/rollbacks', {
      body: { phase: 10, reason: 'typed client', dryRun: true },
    });
    expect(plan.response.status).toBe(200);
    const rollback = await client.POST('/api/v1/admin/rollbacks', { body: { phase: 10, reason: 'typed client' } });
    expect(rollback.response.status).toBe(201);
    const logged = await client.GET('/api/v1/admin/rollbacks/{id}', {
      params: { path: { id: (rollback.data as components['schemas']['RollbackRecordDto']).id } },
    });
    expect(logged.data).toMatchObject({ kind: 'phase', phases: [10], status: 'completed', reason: 'typed client' });
    const flags = await client.GET('/api/v1/admin/flags');
    expect(flags.data!.find((f) => f.key === 'enable_production_dashboard')?.enabled).toBe(false);
  });
});
