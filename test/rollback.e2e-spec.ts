import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { RollbackLease } from '../src/phases/rollback/rollback-lease.js';
import { RollbackLog } from '../src/phases/rollback/rollback-log.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { fillSampleLog, tableExists } from './support/rollback-support.js';
import { sleep, waitFor } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { SAMPLE_JOB, samplePhases } from './support/test-phases.js';
import { inTransaction } from '../src/database/transaction.js';

/** A real HTTP receiver for the rollback webhook; `mode` decides how it answers. */
function webhookReceiver() {
  const state = { mode: 'ok' as 'ok' | 'fail' | 'hang', received: [] as Array<Record<string, unknown>> };
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      state.received.push(JSON.parse(body));
      if (state.mode === 'ok') res.end('{}');
      else if (state.mode === 'fail') res.writeHead(500).end('down');
      // 'hang': never answer; the notifier's timeout must cut it off
    });
  });
  return { state, server };
}

describe('rollback', () => {
  let t: TestApp;
  let ds: DataSource;
  const hook = webhookReceiver();
  const post = (body: Record<string, unknown>) =>
    t.http().post('/api/v1/admin/rollbacks').set(t.auth(Role.Admin)).send(body);

  beforeAll(async () => {
    await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hook`;
    t = await startTestApp(
      { JOBS_ENABLED: 'false', ROLLBACK_WEBHOOK_URL: url, ROLLBACK_WEBHOOK_TIMEOUT_MS: '300' },
      undefined,
      samplePhases,
    );
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t.close();
    hook.server.closeAllConnections();
    await new Promise((r) => hook.server.close(r));
  });

  const flagsOn = async () => {
    for (const key of ['sample_runtime', 'sample_shadow', 'sample2_enabled'])
      await t.app.get(FlagsService).set(key, true, { actor: 'test', reason: 'setup' });
  };

  it('dry run: shows the plan and what would be refused, and changes nothing', async () => {
    await flagsOn();
    await fillSampleLog(ds, 25);
    const before = { log: await t.app.get(RollbackLog).list(), flags: t.app.get(FlagsService).list() };
    const res = await post({ toPhase: 91, revertSchema: true, dryRun: true, reason: 'rehearsal' }).expect(200);
    expect(res.body.phases).toEqual([92, 91]);
    expect(res.body.steps.map((s: { phase: number; name: string }) => `${s.phase}:${s.name}`)).toEqual([
      '92:disable-flags',
      '92:stop-jobs',
      '92:revert-schema',
      '92:verify-legacy',
      '91:disable-flags',
      '91:stop-jobs',
      '91:revert-schema',
      '91:verify-legacy',
      'null:log',
    ]);
    const p91 = res.body.phasePlans.find((p: { phase: number }) => p.phase === 91);
    expect(p91.tables).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'sample_log', rows: 25, holdsData: true, action: 'refused' }),
        expect.objectContaining({ table: 'sample_cache', rows: 0, holdsData: false, action: 'drop' }),
        expect.objectContaining({ table: 'api_key', column: 'sample_note', rows: 0, action: 'drop' }),
      ]),
    );
    expect(res.body.refusals.join(' ')).toMatch(/phase 91: sample_log: holds data.*--backup/);
    expect(await t.app.get(RollbackLog).list()).toEqual(before.log);
    expect(t.app.get(FlagsService).list()).toEqual(before.flags);
    expect(await tableExists(ds, 'sample_log')).toBe(true);
  });

  it('refuses a schema revert out of stack order, naming the phases to revert first', async () => {
    const res = await post({ phase: 91, revertSchema: true, backup: true, reason: 'out of order' }).expect(409);
    expect(res.body.code).toBe('UNSAFE_REQUEST');
    expect(res.body.message).toMatch(/revert phase 92 first/);
    expect(t.app.get(FlagsService).isEnabled('sample_runtime')).toBe(true);
  });

  it('needs a reason', async () => {
    const res = await post({ phase: 92 }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('reason');
  });

  it('a second rollback while one holds the lease gets 409 ROLLBACK_IN_PROGRESS', async () => {
    // what a rollback on another replica holds
    await new RollbackLease(ds).hold(async () => {
      const res = await post({ phase: 92, reason: 'concurrent' }).expect(409);
      expect(res.body.code).toBe('ROLLBACK_IN_PROGRESS');
      const cli = await t.app
        .get(RollbackService)
        .rollback({ phase: 92, reason: 'concurrent too', actor: 'test' })
        .then(
          () => ({ code: 'no refusal' }),
          (e: unknown) => e as { code?: string },
        );
      expect(cli.code).toBe('ROLLBACK_IN_PROGRESS');
    });
  });

  it('rolls one phase back by the runbook, logging each step, even when the webhook hangs', async () => {
    hook.state.mode = 'hang';
    const started = Date.now();
    const res = await post({ phase: 92, reason: 'incident 42' }).expect(201);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.body).toMatchObject({
      kind: 'phase',
      phases: [92],
      status: 'completed',
      dataLoss: false,
      reason: 'incident 42',
      actor: 'test-admin',
    });
    expect(res.body.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      'disable-flags:done',
      'stop-jobs:skipped',
      'verify-legacy:done',
      'log:done',
    ]);
    expect(res.body.steps.every((s: { durationMs: number | null }) => typeof s.durationMs === 'number')).toBe(true);
    expect(res.body.issues.join(' ')).toMatch(/webhook rollback.started notice did not answer within 300 ms/);
    expect(t.app.get(FlagsService).isEnabled('sample2_enabled')).toBe(false);
    expect(t.app.get(FlagsService).isEnabled('sample_runtime')).toBe(true);
    expect(await tableExists(ds, 'sample2_data')).toBe(true);
  });

  it('sends start and end notices to a working webhook, and survives a failing one', async () => {
    hook.state.mode = 'ok';
    hook.state.received.length = 0;
    const ok = await post({ phase: 92, reason: 'notice test' }).expect(201);
    // retries of the hung notices above may still arrive: look at this rollback's only
    const mine = () => hook.state.received.filter((r) => r.rollback === ok.body.id);
    await waitFor(async () => mine().length === 3, 10_000);
    expect(mine().map((r) => r.event)).toEqual(['rollback.started', 'rollback.finished', 'rollback.investigating']);
    expect(mine()[1]).toMatchObject({
      rollback: ok.body.id,
      status: 'completed',
      phases: [92],
      reason: 'notice test',
    });
    hook.state.mode = 'fail';
    const failed = await post({ phase: 92, reason: 'failing hook' }).expect(201);
    expect(failed.body.status).toBe('completed');
    expect(failed.body.issues).toEqual(expect.arrayContaining([expect.stringMatching(/answered HTTP 500/)]));
    hook.state.mode = 'ok';
  });

  it('emergency: every flag off in one go and every job stopped, no schema touched, well under a second', async () => {
    await flagsOn();
    const res = await post({ emergency: true, reason: 'line down' }).expect(201);
    const everyPhase = t.app
      .get(PhaseRegistry)
      .all()
      .map((p) => p.number)
      .reverse();
    expect(everyPhase.slice(0, 2)).toEqual([92, 91]);
    expect(res.body).toMatchObject({ kind: 'emergency', status: 'completed', phases: everyPhase, dataLoss: false });
    // the switch itself (flags and job stops in one transaction); the legacy checks come after it
    expect(res.body.steps[0]).toMatchObject({ name: 'disable-flags', status: 'done', durationMs: expect.any(Number) });
    expect(res.body.steps[0].durationMs).toBeLessThan(1000);
    expect(
      t.app
        .get(FlagsService)
        .list()
        .filter((f) => f.enabled || f.effective),
    ).toEqual([]);
    for (const { job } of t.app.get(PhaseRegistry).jobs())
      expect(await t.app.get(JobsService).isStopped(job.name)).toBe(true);
    expect(await t.app.get(JobsService).isStopped(SAMPLE_JOB)).toBe(true);
    for (const table of ['sample_log', 'sample_cache', 'sample2_data']) expect(await tableExists(ds, table)).toBe(true);
    const [{ n }] = await ds.query(`SELECT COUNT(*) AS n FROM sample_log`);
    expect(Number(n)).toBe(25);
  });

  it('emergency: the switch commits on its own while another transaction is open and then fails', async () => {
    await flagsOn();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // a spawn or route mid-flight that will roll back; on SQLite it holds the one shared connection
    const failing = inTransaction(ds, async (em) => {
      await em.query('SELECT 1');
      await gate;
      throw new Error('route failed');
    }).catch((error: unknown) => (error as Error).message);
    const emergency = post({ emergency: true, reason: 'line down under load' }).then((res) => res);
    // let the switch run as far as it can before the other transaction ends
    await Promise.race([emergency, sleep(500)]);
    release();
    expect(await failing).toBe('route failed');
    expect((await emergency).status).toBe(201);
    await t.app.get(FlagsService).refresh();
    expect(
      t.app
        .get(FlagsService)
        .list()
        .filter((f) => f.enabled || f.effective),
    ).toEqual([]);
  });

  it('keeps the log: list, detail, resolution, and the last rollback per phase', async () => {
    const list = await t.http().get('/api/v1/admin/rollbacks').set(t.auth(Role.Admin)).expect(200);
    expect(list.body[0].kind).toBe('emergency');
    const id = list.body[1].id;
    await t
      .http()
      .patch(`/api/v1/admin/rollbacks/${id}`)
      .set(t.auth(Role.Admin))
      .send({ resolution: 'vendor fixed the API' })
      .expect(200);
    const one = await t.http().get(`/api/v1/admin/rollbacks/${id}`).set(t.auth(Role.Admin)).expect(200);
    expect(one.body).toMatchObject({ id, resolution: 'vendor fixed the API' });
    await t.http().get('/api/v1/admin/rollbacks/99999').set(t.auth(Role.Admin)).expect(404);
    expect(await t.app.get(RollbackLog).lastFor(91)).toMatchObject({ kind: 'emergency' });
    const phases = await t.http().get('/api/v1/admin/phases').set(t.auth(Role.Admin)).expect(200);
    expect(phases.body.find((p: { number: number }) => p.number === 92).lastRollback).toMatchObject({
      id: list.body[0].id,
      kind: 'emergency',
    });
  });

  it('is admin only', async () => {
    await t.http().get('/api/v1/admin/rollbacks').set(t.auth(Role.Supervisor)).expect(403);
    await post({ emergency: true, reason: 'x' }).set(t.auth(Role.Supervisor)).expect(403);
  });
});
