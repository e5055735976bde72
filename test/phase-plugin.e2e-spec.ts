import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { PHASE_11_FLAG, ReadingsPhaseModule } from './support/phase-eleven/phase-eleven.module.js';
import { tableExists } from './support/rollback-support.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Adding a phase is one module and one migration: Phase 11 (test/support/phase-eleven) is
 * plugged in by naming its module, and the registry, the status API, flags, OFREP, the
 * migrator and rollback all take it up with no other edit.
 */
describe('a new phase plugs in with its module alone', () => {
  let t: TestApp;
  const admin = () => t.auth(Role.Admin);

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' }, undefined, { modules: [ReadingsPhaseModule] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is registered on top of the stack with its requirement, and its migration is applied at start', async () => {
    const registry = t.app.get(PhaseRegistry);
    expect(registry.all().map((p) => p.number)).toEqual([7, 8, 9, 10, 11]);
    expect(registry.get(11).requires).toEqual([10]);
    const res = await t.http().get('/api/v1/admin/phases').set(t.auth(Role.Supervisor)).expect(200);
    expect(res.body.map((p: { number: number }) => p.number)).toEqual([7, 8, 9, 10, 11]);
    expect(res.body[4]).toMatchObject({
      number: 11,
      key: 'readings',
      flags: [{ key: PHASE_11_FLAG, enabled: false }],
      schema: { state: 'applied', migrations: [{ name: 'Phase11Readings1799110000000', applied: true }] },
      tables: [{ name: 'p11_reading', exists: true, rows: 0 }],
    });
  });

  it('its flag is switched, audited and evaluated through OFREP like any other', async () => {
    await t
      .http()
      .put(`/api/v1/admin/flags/${PHASE_11_FLAG}`)
      .set(admin())
      .send({ enabled: true, reason: 'phase 11 on' })
      .expect(200);
    const evaluated = await t
      .http()
      .post(`/ofrep/v1/evaluate/flags/${PHASE_11_FLAG}`)
      .set(t.auth(Role.Viewer))
      .send({ context: {} })
      .expect(200);
    expect(evaluated.body).toMatchObject({ key: PHASE_11_FLAG, value: true });
    const audit = await t
      .http()
      .get('/api/v1/admin/flags/audit')
      .query({ key: PHASE_11_FLAG })
      .set(admin())
      .expect(200);
    expect(audit.body).toMatchObject([{ key: PHASE_11_FLAG, newValue: true, reason: 'phase 11 on' }]);
  });

  it('rolls back first, schema and all, and comes back with its table', async () => {
    const plan = await t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(admin())
      .send({ toPhase: 7, revertSchema: true, dryRun: true, reason: 'plan' })
      .expect(200);
    expect(plan.body.phases).toEqual([11, 10, 9, 8, 7]);
    const ds = t.app.get(DataSource);
    await ds.query(`INSERT INTO p11_reading (id, value) VALUES (1, '20.5 C')`);
    const refused = await t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(admin())
      .send({ phase: 11, revertSchema: true, reason: 'no backup' })
      .expect(409);
    expect(refused.body.code).toBe('UNSAFE_REQUEST');
    await t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(admin())
      .send({ phase: 11, revertSchema: true, backup: true, reason: 'phase 11 down' })
      .expect(201);
    expect(await tableExists(ds, 'p11_reading')).toBe(false);
    expect(await t.app.get(PhaseRegistry).schemaState(11)).toBe('reverted');
    await t.http().post('/api/v1/admin/phases/11/enable').set(admin()).send({ reason: 'phase 11 back' }).expect(200);
    expect(await tableExists(ds, 'p11_reading')).toBe(true);
    expect(await t.app.get(PhaseRegistry).schemaState(11)).toBe('applied');
  });
});
