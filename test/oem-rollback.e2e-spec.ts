import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { PHASE_8_SCHEMA } from '../src/oem/oem.schema.js';
import { RestoreService } from '../src/phases/backup/restore.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { RollForwardService } from '../src/phases/rollback/roll-forward.service.js';
import { createLine, startJob, tokensOf } from './production-fixtures.js';
import { digest, tableExists } from './support/rollback-support.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('Phase 8 OEM: rollback with tickets present', () => {
  let t: TestApp;
  let ds: DataSource;
  const change = { actor: 'test', reason: 'oem rollback drill' };
  const tables = PHASE_8_SCHEMA.tables.map((table) => table.name);
  const rollback = (body: Record<string, unknown>) =>
    t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(t.auth(Role.Admin))
      .send({ reason: 'oem drill', ...body });
  const digests = async () =>
    Object.fromEntries(await Promise.all(tables.map(async (name) => [name, await digest(ds, name)])));

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    ds = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('schema revert is refused without a backup; backup, revert, enable and restore give back every row', async () => {
    const sup = t.auth(Role.Supervisor);
    const line = await createLine(t, 'RB-LINE');
    const jobId = await startJob(t, line.graphId, 'RB-1', 1);
    await t
      .http()
      .post('/api/v1/oem/rules')
      .set(sup)
      .send({
        customer: 'ACME',
        stationCode: 'ST-S',
        pattern: '^OEM-ACME-(?P<ref>PO-\\d+)-S(?P<seq>\\d+)$',
        action: 'advance',
        priority: 2,
      })
      .expect(201);
    const ticket = await t
      .http()
      .post('/api/v1/oem/tickets')
      .set(sup)
      .send({
        customer: 'ACME',
        externalRef: 'PO-9',
        jobId,
        dueAt: '2031-02-03T04:05:06.789Z',
        steps: [
          { sequence: 1, name: 'Kit “first” é', nodeCode: 'S' },
          { sequence: 2, name: 'Assemble', nodeCode: 'A' },
        ],
      })
      .expect(201);
    await t
      .http()
      .post('/api/v1/oem/tickets')
      .set(sup)
      .send({ customer: 'GLOBEX', externalRef: 'G-1', steps: [{ sequence: 1, name: 'Kit' }] })
      .expect(201);
    await t.app.get(FlagsService).set('enable_oem_mode', true, change);
    await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-S', barcode: 'OEM-ACME-PO-9-S1' })
      .expect(200);
    await t.app.get(FlagsService).set('enable_oem_mode', false, change);
    await t.app.get(FlagsService).set('oem_shadow_run', true, change);
    const [token] = await tokensOf(t, jobId);
    await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-S', barcode: token.serial })
      .expect(200);
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM oem_shadow_result`))[0].n)).toBe(1);

    // schemas come down in stack order: whatever sits above Phase 8 goes first (empty or rebuildable here)
    const registry = t.app.get(PhaseRegistry);
    for (const phase of registry
      .all()
      .map((p) => p.number)
      .filter((n) => n > 8)
      .sort((a, b) => b - a)) {
      if ((await registry.schemaState(phase)) === 'applied')
        expect((await rollback({ phase, revertSchema: true, backup: true }).expect(201)).body.status).toBe('completed');
    }

    const before = await digests();
    const refused = await rollback({ phase: 8, revertSchema: true }).expect(409);
    expect(refused.body.code).toBe('UNSAFE_REQUEST');
    expect(refused.body.message).toMatch(/oem_job_ticket/);
    for (const name of tables) expect(await tableExists(ds, name)).toBe(true);
    expect(await digests()).toEqual(before);

    const done = (await rollback({ phase: 8, revertSchema: true, backup: true }).expect(201)).body;
    expect(done).toMatchObject({ status: 'completed', phases: [8], dataLoss: false });
    for (const name of tables) expect(await tableExists(ds, name)).toBe(false);
    expect(t.app.get(FlagsService).isEnabled('oem_shadow_run')).toBe(false);
    // Phase 8 gone: its routes say so, and scans are manual
    expect((await t.http().get('/api/v1/oem/kanban').set(t.auth(Role.Viewer)).expect(409)).body.code).toBe(
      'SCHEMA_NOT_APPLIED',
    );
    // the OEM scan started the token at S and the shadow-run scan completed it there: it waits at A
    const manual = await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-A', barcode: token.serial })
      .expect(200);
    expect(manual.body).toMatchObject({ handledBy: 'manual', action: 'started', token: { nodeCode: 'A' } });

    const forward = await t.app.get(RollForwardService).enable(8, {}, change);
    expect(forward.migrationsApplied).toEqual(['Phase8Oem1764000800000']);
    for (const name of tables) expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM ${name}`))[0].n)).toBe(0);
    await t.app.get(RestoreService).restore(done.backupLocation);
    expect(await digests()).toEqual(before);
    const restored = (await t.http().get(`/api/v1/oem/tickets/${ticket.body.id}`).set(t.auth(Role.Viewer)).expect(200))
      .body;
    expect(restored).toMatchObject({
      status: 'in_progress',
      currentSequence: 1,
      dueAt: '2031-02-03T04:05:06.789Z',
      steps: [{ name: 'Kit “first” é', status: 'active' }, { status: 'pending' }],
    });
  }, 120_000);
});
