import { readFileSync, statSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { createLine } from './production-fixtures.js';
import { ContractChecker, type OpenApiDocument } from './support/openapi-contract.js';
import { jsonLines, startServer } from './support/processes.js';
import { startTestApp, TestApp } from './support/test-app.js';

/**
 * The API as its contract says, in the places an outside tester found it differing: statuses,
 * strict input, JSON errors everywhere, standard headers, metrics names, PII hygiene.
 */
describe('API contract', () => {
  let t: TestApp;
  let graphId: number;
  let doc: OpenApiDocument & { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const admin = () => t.auth(Role.Admin);

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false', PEOPLE_HASH_KEY: '' });
    graphId = (await createLine(t, 'CONTRACT')).graphId;
    doc = (await t.http().get('/docs-json').expect(200)).body;
  });
  afterAll(() => t?.close());

  describe('statuses', () => {
    it('a rollback answers 201 and the document lists 201 (and 200 for a dry run)', async () => {
      expect(Object.keys(doc.paths['/api/v1/admin/rollbacks'].post.responses)).toEqual(
        expect.arrayContaining(['200', '201']),
      );
      await t
        .http()
        .post('/api/v1/admin/rollbacks')
        .set(admin())
        .send({ phase: 10, reason: 'contract check', dryRun: true })
        .expect(200);
      await t
        .http()
        .post('/api/v1/admin/rollbacks')
        .set(admin())
        .send({ phase: 10, reason: 'contract check' })
        .expect(201);
    });

    it('the harness fails a response whose status or body the document does not describe, naming the operation', () => {
      const checker = new ContractChecker(doc);
      const base = { method: 'GET', url: '/api/v1/graphs/7', contentType: 'application/json; charset=utf-8' };
      expect(checker.problem({ ...base, status: 418, text: '{}' })).toMatch(
        /^GET \/api\/v1\/graphs\/\{id\} answered 418, which the document does not list \(it lists 200, 400, 401, 403, 404, 500, 503\)/,
      );
      expect(checker.problem({ ...base, status: 200, text: '{"id":"seven"}' })).toMatch(
        /GET \/api\/v1\/graphs\/\{id\} answered 200 with a body that does not match[\s\S]*at \/id: must be number/,
      );
      expect(checker.problem({ ...base, status: 404, text: '<html>' })).toMatch(/not JSON/);
      expect(
        checker.problem({
          ...base,
          url: '/nowhere',
          status: 404,
          text: '{"code":"NOT_FOUND","message":"x","requestId":"r"}',
        }),
      ).toBeUndefined();
    });

    it('a status any write can answer is documented once for all: 503 READ_ONLY, 413, 500', () => {
      const post = doc.paths['/api/v1/jobs'].post.responses;
      expect(Object.keys(post)).toEqual(expect.arrayContaining(['400', '413', '500', '503']));
      const description = (status: Record<string, unknown>) => (status as { description?: string }).description;
      expect(description(post['503'])).toMatch(/READ_ONLY.*; or DATABASE_UNAVAILABLE/);
      // a read is never refused by read-only mode, but like every authenticated call it can meet the database down
      expect(description(doc.paths['/api/v1/jobs'].get.responses['503'])).toMatch(/^DATABASE_UNAVAILABLE/);
      expect(doc.paths['/health/live'].get.responses['503']).toBeUndefined();
    });
  });

  describe('strict input', () => {
    it.each(['constructor', '__proto__', 'hasOwnProperty', 'toString', 'valueOf'])(
      'refuses a body field named %s with a 400 naming it',
      async (name) => {
        const body = `{"code":"OP-${name.replace(/_/g, '')}","name":"Ada","${name}":{"polluted":true}}`;
        const res = await t
          .http()
          .post('/api/v1/operators')
          .set(admin())
          .set('Content-Type', 'application/json')
          .send(body)
          .expect(400);
        expect(res.body.errors).toEqual([{ field: name, messages: [`property ${name} should not exist`] }]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );

    it('refuses them nested and in a query too, alongside the other errors', async () => {
      const res = await t
        .http()
        .put(`/api/v1/graphs/${graphId}`)
        .set(admin())
        .set('Content-Type', 'application/json')
        .send('{"name":"x","nodes":[{"code":"A","constructor":1}],"edges":[]}')
        .expect(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([{ field: 'nodes.0.constructor', messages: ['property constructor should not exist'] }]),
      );
      const query = await t.http().get('/api/v1/tokens?toString=1').set(admin()).expect(400);
      expect(query.body.errors).toEqual([{ field: 'toString', messages: ['property toString should not exist'] }]);
    });

    it.each([
      ['1'],
      [0],
      ['Tue Mar 05 2030'],
      ['2026-02-30T00:00:00Z'],
      ['2030-03-05T08:00:00'],
      ['2030-03-05'],
      ['2030-13-01T00:00:00Z'],
      ['2030-03-05T24:00:00Z'],
    ])('refuses the timestamp %j with a 400 naming the field', async (dueAt) => {
      const res = await t
        .http()
        .post('/api/v1/jobs')
        .set(admin())
        .send({ code: 'J-TS', graphId, productCode: 'P', quantity: 1, dueAt })
        .expect(400);
      expect(res.body.errors).toEqual([
        { field: 'dueAt', messages: [expect.stringContaining('ISO 8601 date and time with an offset or Z')] },
      ]);
    });

    it('takes an ISO 8601 timestamp with an offset at its instant, and a leap day that exists', async () => {
      const offset = await t
        .http()
        .post('/api/v1/jobs')
        .set(admin())
        .send({ code: 'J-TS-1', graphId, productCode: 'P', quantity: 1, dueAt: '2030-03-05T08:00:00+01:00' })
        .expect(201);
      expect(offset.body.dueAt).toBe('2030-03-05T07:00:00.000Z');
      const leap = await t
        .http()
        .post('/api/v1/jobs')
        .set(admin())
        .send({ code: 'J-TS-2', graphId, productCode: 'P', quantity: 1, dueAt: '2028-02-29T00:00:00Z' })
        .expect(201);
      expect(leap.body.dueAt).toBe('2028-02-29T00:00:00.000Z');
    });

    it.each(['0x1', '1e3', '%2010', '1.0', '+1', '100000000000000000000'])(
      'refuses the path id %s with a 400',
      async (id) => {
        const res = await t.http().get(`/api/v1/tokens/${id}`).set(admin()).expect(400);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
      },
    );

    it('refuses loose numbers in a query (limit=0x10, jobId=1e20) and takes decimal ones', async () => {
      await t.http().get('/api/v1/tokens?limit=0x10').set(admin()).expect(400);
      await t.http().get('/api/v1/tokens?jobId=100000000000000000000').set(admin()).expect(400);
      await t
        .http()
        .get(`/api/v1/graphs/${'9'.repeat(30)}`)
        .set(admin())
        .expect(400);
      await t.http().get('/api/v1/tokens?limit=10').set(admin()).expect(200);
    });

    it('refuses a lone UTF-16 surrogate in a value or a field name with a 400, and keeps a real pair', async () => {
      const send = (body: string) =>
        t.http().post('/api/v1/operators').set(admin()).set('Content-Type', 'application/json').send(body);
      const value = await send('{"code":"OP-SUR","name":"Ada \\ud800"}').expect(400);
      expect(value.body.errors).toEqual([
        { field: 'name', messages: ['name must not contain a lone UTF-16 surrogate'] },
      ]);
      await send('{"code":"OP-SUR","name":"x","\\udc00":1}').expect(400);
      const pair = await send('{"code":"OP-EMOJI","name":"Ada \\ud83d\\ude00"}').expect(201);
      expect(pair.body.name).toBe('Ada \u{1F600}');
    });
  });

  describe('errors and headers everywhere', () => {
    it.each([
      ['GET', '/foo'],
      ['GET', '//api/v1/graphs'],
      ['POST', '/nope'],
      ['GET', '/api/v1/nope'],
      ['DELETE', '/docs'],
    ])('%s %s answers the JSON error body, not HTML', async (method, path) => {
      const res = await t.call(method, path).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ code: 'NOT_FOUND', message: expect.any(String), requestId: expect.any(String) });
    });

    it.each(['/api/v1/auth/me', '/docs', '/docs-json', '/health/live', '/metrics'])(
      '%s sends the standard security headers and may not be framed',
      async (path) => {
        const res = await t.http().get(path).set(admin()).expect(200);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        // served over plain HTTP on a factory network, Swagger UI must not be sent to https
        expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
        expect(res.headers['strict-transport-security']).toBeDefined();
      },
    );

    it('the console keeps its own, stricter CSP', async () => {
      const res = await t.http().get('/console/').expect(200);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'; style-src 'self';/);
      expect(res.headers['x-frame-options']).toBe('DENY');
    });

    it('/metrics has no gauge named like a counter', async () => {
      const text = (await t.http().get('/metrics').expect(200)).text;
      const gauges = [...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]);
      expect(gauges).toContain('nodejs_active_handles');
      expect(gauges.filter((name) => name.endsWith('_total'))).toEqual([]);
    });
  });

  describe('PII', () => {
    it('refuses the hash masking strategy while PEOPLE_HASH_KEY is empty (409 UNSAFE_REQUEST), and changes nothing', async () => {
      const policies = () =>
        t
          .http()
          .get('/api/v1/people/masking-policies')
          .set(admin())
          .expect(200)
          .then((r) => r.body);
      const before = await policies();
      const res = await t
        .http()
        .put('/api/v1/people/masking-policies')
        .set(admin())
        .send({ policies: [{ field: 'phone', strategy: 'hash' }] })
        .expect(409);
      expect(res.body).toMatchObject({ code: 'UNSAFE_REQUEST', message: expect.stringContaining('PEOPLE_HASH_KEY') });
      expect(await policies()).toEqual(before);
    });

    it('the server warns at start while PEOPLE_HASH_KEY is empty, and not once it is set', async () => {
      const warning = 'PEOPLE_HASH_KEY is empty: the hash masking strategy cannot be enabled';
      for (const [key, warned] of [
        ['', true],
        ['a-key-only-this-factory-knows-0123456789', false],
      ] as const) {
        const server = await startServer({
          ...t.db.env,
          PEOPLE_HASH_KEY: key,
          LOG_LEVEL: 'log',
          JOBS_ENABLED: 'false',
          MIGRATE_ON_START: 'false',
        });
        try {
          const messages = jsonLines(`${server.stdout()}\n${server.stderr()}`).map(
            (line) => (line.message as { msg?: string } | undefined)?.msg,
          );
          expect({ key, warned: messages.includes(warning) }).toEqual({ key, warned });
        } finally {
          await server.stop();
        }
      }
    });

    const sqliteOnly = process.env.TEST_DB === 'mysql' ? it.skip : it;
    sqliteOnly(
      'SQLite zeroes deleted rows (secure_delete) and empties the WAL after a masking policy change',
      async () => {
        const dataSource = t.app.get(DataSource);
        expect(await dataSource.query('PRAGMA secure_delete')).toEqual([{ secure_delete: 1 }]);
        const wal = `${String(t.db.env.DB_PATH)}-wal`;
        await t
          .http()
          .post('/api/v1/operators')
          .set(admin())
          .send({ code: 'OP-WAL', name: 'Before the change' })
          .expect(201);
        expect(statSync(wal).size).toBeGreaterThan(0);
        await t
          .http()
          .put('/api/v1/people/masking-policies')
          .set(admin())
          .send({ policies: [{ field: 'phone', strategy: 'drop' }] })
          .expect(200);
        // emptied: whatever a background write may have added since, the old pages are gone
        expect(readFileSync(wal).includes('Before the change')).toBe(false);
      },
    );
  });
});
