import { statSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { testDbKind } from './support/test-database.js';
import { waitFor } from './support/wait.js';

describe('platform', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers readiness with database and migrations up', async () => {
    const res = await t.http().get('/health/ready').expect(200);
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.migrations.pending).toBe(0);
  });

  (testDbKind() === 'sqlite' ? it : it.skip)(
    'checkpoints the SQLite WAL from its worker thread, not in the commits of requests',
    async () => {
      const ds = t.app.get(DataSource);
      expect(await ds.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 10_000 }]);
      // far below the backstop: only the worker writes these commits back into the database file
      const file = String(t.db.env.DB_PATH);
      const before = statSync(file).mtimeMs;
      for (let i = 0; i < 5; i++)
        await t
          .http()
          .post('/api/v1/operators')
          .set(t.auth(Role.Supervisor))
          .send({ code: `WAL-${i}`, name: `WAL ${i}` })
          .expect(201);
      await waitFor(async () => statSync(file).mtimeMs > before, 5_000);
    },
  );

  it('echoes a client request id and mints one otherwise', async () => {
    const echoed = await t.http().get('/health/live').set('x-request-id', 'abc-123').expect(200);
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const minted = await t.http().get('/health/live').expect(200);
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON with 400 and a request id', async () => {
    const res = await t
      .http()
      .post('/api/v1/anything')
      .set('content-type', 'application/json')
      .send('{bad')
      .expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('serves Prometheus metrics with the HTTP histogram', async () => {
    await t.http().get('/health/live');
    const res = await t.http().get('/metrics').expect(200);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI 3 document and Swagger UI', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes.bearer).toBeDefined();
    await t.http().get('/docs').expect(200);
  });

  it('stops a revoked key at once', async () => {
    const { ApiKeysService } = await import('../src/common/auth/api-keys.service.js');
    const keys = t.app.get(ApiKeysService);
    const created = await keys.create('short-lived', Role.Admin);
    const probe = () => t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${created.key}`);
    await probe().expect(200, { id: created.id, name: 'short-lived', role: 'admin' });
    await keys.revoke(created.id);
    await probe().expect(401);
  });
});
