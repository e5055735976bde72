import { Role } from '../src/common/auth/role.js';
import { MigrationService } from '../src/database/migration.service.js';
import { Decline, PhaseFallback } from '../src/phases/fallback/phase-fallback.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { concrete, declaredRoutes } from './support/routes.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { SAMPLE_JOB, sampleJobTiming, samplePhases } from './support/test-phases.js';
import { DataSource } from 'typeorm';
import { NO_SCOPE } from '../src/phases/flags/flag-rules.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const noJobs = { JOBS_ENABLED: 'false' };

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

describe('phase framework: flags', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(noJobs, undefined, samplePhases);
  });
  afterAll(() => t.close());

  it('lists every declared flag, off by default', async () => {
    const res = await t.http().get('/api/v1/admin/flags').set(t.auth(Role.Admin)).expect(200);
    expect(res.body.map((f: { key: string }) => f.key)).toEqual([
      'enable_assignment_runtime',
      'enable_assignment_preview',
      'enable_oem_mode',
      'oem_shadow_run',
      'enable_people_integration_readonly',
      'enable_production_dashboard',
      'sample_runtime',
      'sample_shadow',
      'sample2_enabled',
    ]);
    expect(res.body.every((f: { enabled: boolean; effective: boolean }) => !f.enabled && !f.effective)).toBe(true);
  });

  it('switches a flag with a reason, applies it locally at once and audits it', async () => {
    const res = await t
      .http()
      .put('/api/v1/admin/flags/sample_runtime')
      .set(t.auth(Role.Admin))
      .send({ enabled: true, reason: 'pilot' })
      .expect(200);
    expect(res.body).toMatchObject({ key: 'sample_runtime', enabled: true, effective: true, updatedBy: 'test-admin' });
    expect(t.app.get(FlagsService).isEnabled('sample_runtime')).toBe(true);
    const audit = await t
      .http()
      .get('/api/v1/admin/flags/audit?key=sample_runtime')
      .set(t.auth(Role.Admin))
      .expect(200);
    expect(audit.body[0]).toMatchObject({
      key: 'sample_runtime',
      oldValue: false,
      newValue: true,
      actor: 'test-admin',
      reason: 'pilot',
    });
    expect(audit.body[0].requestId).toBeTruthy();
  });

  it('writes no audit row when nothing changes or the change is refused', async () => {
    const count = async () => (await t.http().get('/api/v1/admin/flags/audit').set(t.auth(Role.Admin))).body.length;
    const before = await count();
    await t
      .http()
      .put('/api/v1/admin/flags/sample_runtime')
      .set(t.auth(Role.Admin))
      .send({ enabled: true, reason: 'again' })
      .expect(200);
    await t
      .http()
      .put('/api/v1/admin/flags/sample_runtime')
      .set(t.auth(Role.Admin))
      .send({ enabled: false })
      .expect(400);
    await t
      .http()
      .put('/api/v1/admin/flags/no_such_flag')
      .set(t.auth(Role.Admin))
      .send({ enabled: true, reason: 'typo' })
      .expect(404);
    expect(await count()).toBe(before);
  });

  it('answers bad input with per-field messages', async () => {
    const res = await t
      .http()
      .put('/api/v1/admin/flags/sample_runtime')
      .set(t.auth(Role.Admin))
      .send({ enabled: 'yes', reason: 'x', extra: 1 })
      .expect(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['enabled', 'extra', 'reason']);
  });

  it('refuses to switch on a flag whose phase schema is reverted', async () => {
    await t.app.get(MigrationService).revertLast(); // phase 92, empty
    const res = await t
      .http()
      .put('/api/v1/admin/flags/sample2_enabled')
      .set(t.auth(Role.Admin))
      .send({ enabled: true, reason: 'try' })
      .expect(409);
    expect(res.body.code).toBe('SCHEMA_NOT_APPLIED');
    // switching off stays possible: rollback must always be able to turn things off
    await t
      .http()
      .put('/api/v1/admin/flags/sample2_enabled')
      .set(t.auth(Role.Admin))
      .send({ enabled: false, reason: 'off' })
      .expect(200);
    await t.app.get(MigrationService).run({ includePhases: [92] });
  });

  it('runs the legacy path when the flag is off, and falls back when the new path throws or declines', async () => {
    const fallback = t.app.get(PhaseFallback);
    const flags = t.app.get(FlagsService);
    const call = (newPath: () => Promise<string | Decline>) =>
      fallback.run({
        flag: 'sample_shadow',
        operation: 'demo',
        context: NO_SCOPE,
        newPath,
        legacy: async () => 'legacy',
      });
    expect(await call(async () => 'new')).toEqual({ value: 'legacy', path: 'legacy' });
    await flags.set('sample_shadow', true, { actor: 'test', reason: 'fallback test' });
    expect(await call(async () => 'new')).toEqual({ value: 'new', path: 'new' });
    expect(
      await call(async () => {
        throw new Error('boom');
      }),
    ).toEqual({ value: 'legacy', path: 'fallback', fallbackReason: 'boom' });
    expect(await call(async () => PhaseFallback.decline('no_candidate'))).toEqual({
      value: 'legacy',
      path: 'fallback',
      fallbackReason: 'no_candidate',
    });
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/phase_fallback_total\{phase="91",operation="demo",reason="error"\} 1/);
    expect(metrics.text).toMatch(/phase_fallback_total\{phase="91",operation="demo",reason="no_candidate"\} 1/);
  });

  it('reports each phase with flags, jobs, schema, table row counts and work in flight', async () => {
    const res = await t.http().get('/api/v1/admin/phases').set(t.auth(Role.Supervisor)).expect(200);
    const p91 = res.body.find((p: { number: number }) => p.number === 91);
    expect(p91).toMatchObject({
      key: 'sample',
      dataLossRisk: 'medium',
      schema: { state: 'applied' },
      inFlight: { count: 0 },
    });
    expect(p91.tables).toEqual([
      { name: 'sample_log', rebuildable: false, exists: true, rows: 0 },
      { name: 'sample_cache', rebuildable: true, exists: true, rows: 0 },
    ]);
    expect(p91.jobs[0]).toMatchObject({ name: SAMPLE_JOB, stopped: false, running: false, nextRun: null });
  });
});

describe('phase framework: kill switch', () => {
  it('forces a flag off whatever the database says, and says why', async () => {
    const first = await startTestApp(noJobs, undefined, samplePhases);
    await first.app.get(FlagsService).set('sample_runtime', true, { actor: 'test', reason: 'on in db' });
    const forced = await startTestApp({ ...noJobs, FEATURE_FLAGS_FORCE_OFF: 'sample_runtime' }, first.db, samplePhases);
    try {
      expect(forced.app.get(FlagsService).isEnabled('sample_runtime')).toBe(false);
      const res = await forced.http().get('/api/v1/admin/flags').set(forced.auth(Role.Admin)).expect(200);
      expect(res.body.find((f: { key: string }) => f.key === 'sample_runtime')).toMatchObject({
        enabled: true,
        effective: false,
        forcedOff: true,
        reason: expect.stringContaining('FEATURE_FLAGS_FORCE_OFF'),
      });
      const all = await startTestApp({ ...noJobs, FEATURE_FLAGS_FORCE_OFF: 'all' }, first.db, samplePhases);
      expect(all.app.get(FlagsService).isEnabled('sample_runtime')).toBe(false);
      await all.close();
    } finally {
      await forced.close();
      await first.close();
    }
  });
});

describe('phase framework: two replicas', () => {
  it('sees a flag flip on the other replica within FLAG_REFRESH_MS plus a small margin', async () => {
    const a = await startTestApp({ ...noJobs, FLAG_REFRESH_MS: '200' }, undefined, samplePhases);
    const b = await startTestApp({ ...noJobs, FLAG_REFRESH_MS: '200' }, a.db, samplePhases);
    try {
      for (const enabled of [true, false, true]) {
        await a.app.get(FlagsService).set('sample2_enabled', enabled, { actor: 'test', reason: 'propagation' });
        const waited = await waitFor(
          async () => b.app.get(FlagsService).isEnabled('sample2_enabled') === enabled,
          2000,
        );
        expect(waited).toBeLessThan(200 + 300);
      }
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('runs each scheduled tick exactly once across replicas, and a stop halts every replica', async () => {
    const a = await startTestApp({}, undefined, samplePhases);
    const b = await startTestApp({}, a.db, samplePhases);
    try {
      await a.app.get(FlagsService).set('sample_runtime', true, { actor: 'test', reason: 'ticks' });
      await b.app.get(FlagsService).refresh();
      await sleep(5200);
      const runs: Array<{ started_at: string | Date; owner: string }> = await a.app
        .get(DataSource)
        .query(`SELECT started_at, owner FROM job_run WHERE job_name = ? ORDER BY id`, [SAMPLE_JOB]);
      const seconds = runs.map((r) =>
        Math.floor(
          new Date(typeof r.started_at === 'string' ? r.started_at.replace(' ', 'T') + 'Z' : r.started_at).getTime() /
            1000,
        ),
      );
      expect(runs.length).toBeGreaterThanOrEqual(4);
      expect(new Set(seconds).size).toBe(seconds.length);
      const logRows = await a.app.get(DataSource).query(`SELECT COUNT(*) AS n FROM sample_log`);
      expect(Number(logRows[0].n)).toBe(runs.length);

      await a.app.get(JobsService).stop(SAMPLE_JOB, { actor: 'test', reason: 'halt' });
      // the sample job's own runs: the core rollout-guard job may tick meanwhile (every minute)
      const [{ n: stoppedAt }] = await a.app
        .get(DataSource)
        .query(`SELECT COUNT(*) AS n FROM job_run WHERE job_name = ?`, [SAMPLE_JOB]);
      await sleep(2200);
      const [{ n: later }] = await a.app
        .get(DataSource)
        .query(`SELECT COUNT(*) AS n FROM job_run WHERE job_name = ?`, [SAMPLE_JOB]);
      expect(Number(later)).toBe(Number(stoppedAt));
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('waits for a run in flight when stopping, and refuses a second manual run meanwhile', async () => {
    const a = await startTestApp(noJobs, undefined, samplePhases);
    const b = await startTestApp(noJobs, a.db, samplePhases);
    sampleJobTiming.durationMs = 800;
    try {
      const inFlight = a.app.get(JobsService).runNow(SAMPLE_JOB);
      await waitFor(() => b.app.get(JobsService).isRunning(SAMPLE_JOB), 2000);
      await expect(b.app.get(JobsService).runNow(SAMPLE_JOB)).rejects.toMatchObject({ code: 'CONFLICT' });
      const stop = await b.app.get(JobsService).stop(SAMPLE_JOB, { actor: 'test', reason: 'rollback' }, 5000);
      expect(stop.stillRunning).toBe(false);
      expect(stop.waitedMs).toBeGreaterThan(100);
      expect((await inFlight).status).toBe('succeeded');
      expect(await b.app.get(JobsService).isStopped(SAMPLE_JOB)).toBe(true);
    } finally {
      sampleJobTiming.durationMs = 0;
      await b.close();
      await a.close();
    }
  });
});

describe('APP_MODE=readonly', () => {
  it('answers every write route with 503 READ_ONLY and keeps reads working', async () => {
    const t = await startTestApp({ ...noJobs, APP_MODE: 'readonly' }, undefined, samplePhases);
    try {
      const writes = declaredRoutes(t).filter((r) => !r.isPublic && r.method !== 'GET');
      expect(writes.length).toBeGreaterThan(0);
      for (const r of writes) {
        const res = await t.call(r.method, concrete(r.path)).set(t.auth(Role.Admin)).send({});
        expect({ route: `${r.method} ${r.path}`, status: res.status, code: res.body.code }).toEqual({
          route: `${r.method} ${r.path}`,
          status: 503,
          code: 'READ_ONLY',
        });
      }
      await t.http().get('/api/v1/admin/flags').set(t.auth(Role.Admin)).expect(200);
      // the other emergency stop still works: switching everything off is not refused
      await t.app.get(FlagsService).set('sample_runtime', true, { actor: 'test', reason: 'before the incident' });
      const emergency = await t
        .http()
        .post('/api/v1/admin/rollbacks')
        .set(t.auth(Role.Admin))
        .send({ emergency: true, reason: 'incident during read-only' });
      expect(emergency.status).toBe(201);
      expect(t.app.get(FlagsService).isEnabled('sample_runtime')).toBe(false);
      const ready = await t.http().get('/health/ready').expect(200);
      expect(ready.body.info.mode).toMatchObject({ mode: 'readonly', readOnly: true });
    } finally {
      await t.close();
    }
  });
});
