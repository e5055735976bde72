import { Role } from '../src/common/auth/role.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Case {
  route: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  body?: Record<string, unknown>;
  field: string;
}

const node = { code: 'S', name: 'S', kind: 'start' };
const graph = {
  code: 'G',
  name: 'G',
  nodes: [node, { code: 'E', name: 'E', kind: 'end' }],
  edges: [{ from: 'S', to: 'E' }],
};

/** One bad input per production endpoint; each must be refused with 400 naming the field. */
const CASES: Case[] = [
  { route: 'POST /graphs', method: 'post', path: '/graphs', body: { ...graph, code: '' }, field: 'code' },
  {
    route: 'POST /graphs (node kind)',
    method: 'post',
    path: '/graphs',
    body: { ...graph, nodes: [{ ...node, kind: 'middle' }, graph.nodes[1]] },
    field: 'nodes.0.kind',
  },
  {
    route: 'POST /graphs (extra field)',
    method: 'post',
    path: '/graphs',
    body: { ...graph, colour: 'red' },
    field: 'colour',
  },
  { route: 'GET /graphs/:id', method: 'get', path: '/graphs/abc', field: 'id' },
  {
    route: 'PUT /graphs/:id',
    method: 'put',
    path: '/graphs/1',
    body: { name: 'x', nodes: 'none', edges: [] },
    field: 'nodes',
  },
  { route: 'DELETE /graphs/:id', method: 'delete', path: '/graphs/0', field: 'id' },
  { route: 'PUT /nodes/:id/assignment', method: 'put', path: '/nodes/1/assignment', body: {}, field: 'operatorCode' },
  { route: 'GET /nodes/:id/assignment', method: 'get', path: '/nodes/x/assignment', field: 'id' },
  { route: 'DELETE /nodes/:id/assignment', method: 'delete', path: '/nodes/-1/assignment', field: 'id' },
  { route: 'GET /jobs/:id/assignments', method: 'get', path: '/jobs/1.5/assignments', field: 'id' },
  {
    route: 'PUT /jobs/:id/assignments/:nodeId',
    method: 'put',
    path: '/jobs/1/assignments/1',
    body: { teamCode: 7 },
    field: 'teamCode',
  },
  {
    route: 'DELETE /jobs/:id/assignments/:nodeId',
    method: 'delete',
    path: '/jobs/1/assignments/zero',
    field: 'nodeId',
  },
  {
    route: 'POST /jobs',
    method: 'post',
    path: '/jobs',
    body: { code: 'J', graphId: 1, productCode: 'P', quantity: 0 },
    field: 'quantity',
  },
  {
    route: 'POST /jobs (due date)',
    method: 'post',
    path: '/jobs',
    body: { code: 'J', graphId: 1, productCode: 'P', quantity: 1, dueAt: 'soon' },
    field: 'dueAt',
  },
  // valid JavaScript dates that no DATETIME column holds
  {
    route: 'POST /jobs (due in year 10000)',
    method: 'post',
    path: '/jobs',
    body: { code: 'J', graphId: 1, productCode: 'P', quantity: 1, dueAt: '+010000-01-01T00:00:00Z' },
    field: 'dueAt',
  },
  {
    route: 'POST /jobs (due in year 999)',
    method: 'post',
    path: '/jobs',
    body: { code: 'J', graphId: 1, productCode: 'P', quantity: 1, dueAt: '0999-12-31T00:00:00Z' },
    field: 'dueAt',
  },
  { route: 'GET /jobs', method: 'get', path: '/jobs?status=paused', field: 'status' },
  { route: 'GET /jobs/:id', method: 'get', path: '/jobs/j1', field: 'id' },
  { route: 'POST /jobs/:id/release', method: 'post', path: '/jobs/x/release', field: 'id' },
  { route: 'POST /jobs/:id/spawn', method: 'post', path: '/jobs/x/spawn', field: 'id' },
  { route: 'POST /jobs/:id/cancel', method: 'post', path: '/jobs/1/cancel', body: {}, field: 'reason' },
  { route: 'GET /tokens', method: 'get', path: '/tokens?limit=501', field: 'limit' },
  { route: 'GET /tokens (status)', method: 'get', path: '/tokens?status=lost', field: 'status' },
  { route: 'GET /tokens/:id', method: 'get', path: '/tokens/t', field: 'id' },
  {
    route: 'POST /tokens/:id/start',
    method: 'post',
    path: '/tokens/1/start',
    body: { expectedVersion: 'two' },
    field: 'expectedVersion',
  },
  {
    route: 'POST /tokens/:id/complete',
    method: 'post',
    path: '/tokens/1/complete',
    body: { outcome: '' },
    field: 'outcome',
  },
  {
    route: 'POST /tokens/:id/route',
    method: 'post',
    path: '/tokens/1/route',
    body: { outcome: 'pass' },
    field: 'toNodeId',
  },
  { route: 'POST /tokens/:id/scrap', method: 'post', path: '/tokens/1/scrap', body: {}, field: 'reason' },
  { route: 'POST /scans', method: 'post', path: '/scans', body: { stationCode: 'ST-1' }, field: 'barcode' },
  { route: 'POST /operators', method: 'post', path: '/operators', body: { code: 'OP 1', name: 'x' }, field: 'code' },
  { route: 'GET /operators/:id', method: 'get', path: '/operators/o', field: 'id' },
  { route: 'PATCH /operators/:id', method: 'patch', path: '/operators/1', body: { active: 'yes' }, field: 'active' },
  // an optional field may be left out, not set to null: null would reach a NOT NULL column
  { route: 'PATCH /operators/:id (null)', method: 'patch', path: '/operators/1', body: { name: null }, field: 'name' },
  {
    route: 'POST /operators (null)',
    method: 'post',
    path: '/operators',
    body: { code: 'OP-N', name: 'x', active: null },
    field: 'active',
  },
  {
    route: 'POST /jobs (null priority)',
    method: 'post',
    path: '/jobs',
    body: { code: 'J', graphId: 1, productCode: 'P', quantity: 1, priority: null },
    field: 'priority',
  },
  {
    route: 'POST /teams',
    method: 'post',
    path: '/teams',
    body: { code: 'T', name: 'T', memberCodes: 'OP-1' },
    field: 'memberCodes',
  },
  { route: 'GET /teams/:id', method: 'get', path: '/teams/t', field: 'id' },
  {
    route: 'PUT /teams/:id/members',
    method: 'put',
    path: '/teams/1/members',
    body: { memberCodes: [1] },
    field: 'memberCodes',
  },
];

describe('production: bad input on every endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each(CASES.map((c) => [c.route, c] as const))('%s answers 400 with a message for the field', async (_, c) => {
    const req = t.call(c.method, `/api/v1${c.path}`).set(t.auth(Role.Admin));
    const res = await (c.body ? req.send(c.body) : req);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const entry = res.body.errors.find((e: { field: string }) => e.field === c.field);
    expect({ field: c.field, errors: res.body.errors, found: Boolean(entry?.messages.length) }).toMatchObject({
      field: c.field,
      found: true,
    });
  });

  it('an empty PATCH of an operator changes nothing and answers the whole operator (the fuzzer found fields dropped)', async () => {
    const created = await t
      .http()
      .post('/api/v1/operators')
      .set(t.auth(Role.Admin))
      .send({ code: 'OP-EMPTY-PATCH', name: 'Kept', skills: ['weld'] })
      .expect(201);
    const patched = await t
      .http()
      .patch(`/api/v1/operators/${created.body.id}`)
      .set(t.auth(Role.Admin))
      .send({})
      .expect(200);
    expect(patched.body).toEqual(created.body);
  });

  it('covers every production route that takes input', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    const production = ['/graphs', '/nodes', '/jobs', '/tokens', '/scans', '/operators', '/teams'];
    const covered = new Set(CASES.map((c) => c.route.replace(/ \(.*\)$/, '')));
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(
      doc.body.paths as Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>>,
    )) {
      const local = path.replace('/api/v1', '').replace(/\{(\w+)\}/g, ':$1');
      if (!production.some((p) => local.startsWith(p))) continue;
      for (const [method, op] of Object.entries(ops)) {
        const takesInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
        if (takesInput && !covered.has(`${method.toUpperCase()} ${local}`))
          missing.push(`${method.toUpperCase()} ${local}`);
      }
    }
    expect(missing).toEqual([]);
    expect(covered.size).toBeGreaterThan(25);
  });
});
