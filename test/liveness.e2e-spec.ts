import { LINE_EDGES, LINE_NODES } from './production-fixtures.js';
import { whileProbed } from './support/liveness.js';
import { checkedFetch } from './support/openapi-contract.js';
import { assertBuilt, runCli, startServer, type ServerProcess } from './support/processes.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** The spawn the issue measured: it froze every endpoint for 6.9 s. */
const QUANTITY = 100_000;

/**
 * The built server with factory-sized work in flight, probed as Kubernetes probes it: every
 * `/health/live` must answer within a second. No timing is asserted beyond that probe's own
 * timeout; the figures belong to bench:scale.
 */
describe('liveness: no request stalls the server process', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let key: string;
  let jobId: number;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await checkedFetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    assertBuilt();
    db = await createTestDatabase();
    const created = await runCli(['keys', 'create', '--role', 'admin', '--name', 'prober', '--json'], db.env);
    expect(created).toMatchObject({ code: 0 });
    key = JSON.parse(created.stdout).key;
    server = await startServer(db.env);
    const graph = await call('POST', '/graphs', { code: 'LIVE', name: 'Live', nodes: LINE_NODES, edges: LINE_EDGES });
    const job = await call('POST', '/jobs', {
      code: 'J-LIVE',
      graphId: graph.body.id,
      productCode: 'P-1',
      quantity: QUANTITY,
    });
    jobId = job.body.id as number;
    expect((await call('POST', `/jobs/${jobId}/release`)).status).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it(`answers every probe while a job of ${QUANTITY} tokens is spawned`, async () => {
    const { value: spawned, probe } = await whileProbed(server.url, () => call('POST', `/jobs/${jobId}/spawn`));
    expect(spawned).toMatchObject({ status: 200, body: { spawned: QUANTITY } });
    expect(probe.probes).toBeGreaterThan(0);
    expect(probe.failures).toEqual([]);
  });

  it("answers every probe during a comparison of that job's tokens and a dashboard refresh", async () => {
    const enabled = await call('PUT', '/admin/flags/enable_production_dashboard', {
      enabled: true,
      reason: 'liveness test',
    });
    expect(enabled.status).toBe(200);
    const { value, probe } = await whileProbed(server.url, () =>
      Promise.all([call('GET', `/assignment/compare?jobId=${jobId}&limit=2000`), call('POST', '/dashboard/refresh')]),
    );
    expect(value.map((r) => r.status)).toEqual([200, 200]);
    // the largest page a client may ask for still decides the whole job's figures
    expect(value[0].body).toMatchObject({ tokens: QUANTITY });
    expect(value[0].body.details).toHaveLength(2000);
    expect(probe.failures).toEqual([]);
  });
});
