import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { VERIFY_SKIPPED } from '../src/phases/rollback/lean-emergency.js';
import type { RollbackRecord } from '../src/phases/rollback/rollback-record.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { assertBuilt, runCli } from './support/processes.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';
import { cliActor } from '../src/common/cli/command-output.js';
import { PROJECT_ROOT } from '../src/config/project-root.js';

const REFRESH_MS = 300;

/**
 * The lean emergency path (`rollback --emergency --reason R --yes`, no application booted)
 * against the full one (RollbackService in the application): the same flags off, the same
 * audit rows, the same job stops, the same rollback_log row but for the legacy checks it
 * cannot run; and a second replica sees it within FLAG_REFRESH_MS.
 */
describe('lean emergency rollback from the shell', () => {
  let t: TestApp;
  let replica: TestApp;
  let ds: DataSource;
  let env: Record<string, string | undefined>;
  const change = { actor: 'test', reason: 'setup' };

  beforeAll(async () => {
    assertBuilt();
    t = await startTestApp({ JOBS_ENABLED: 'false', FLAG_REFRESH_MS: String(REFRESH_MS) });
    replica = await startTestApp({ JOBS_ENABLED: 'false', FLAG_REFRESH_MS: String(REFRESH_MS) }, t.db);
    ds = t.app.get(DataSource);
    env = { ...t.db.env, JOBS_ENABLED: 'false', LOG_LEVEL: 'error' };
  });
  afterAll(async () => {
    await replica.close();
    await t.close();
  });

  const registry = () => t.app.get(PhaseRegistry);
  const allFlags = () =>
    registry()
      .flags()
      .map((f) => f.key);
  const allJobs = () =>
    registry()
      .jobs()
      .map((j) => j.job.name);

  /** Every flag on and every job resumed, through the services, so a rollback has everything to do. */
  async function everythingOn(): Promise<void> {
    await t.app.get(FlagsService).setMany(allFlags(), true, change);
    for (const name of allJobs()) await t.app.get(JobsService).resume(name, change);
    await replica.app.get(FlagsService).refresh();
    expect(allFlags().every((k) => replica.app.get(FlagsService).isEnabled(k))).toBe(true);
  }

  /** What a rollback left in the database, with its own id and timings taken out so two can be compared. */
  async function footprint(rollback: RollbackRecord) {
    const audit = await ds.query(
      `SELECT \`key\`, old_value, new_value, actor, reason, request_id FROM feature_flag_audit WHERE reason LIKE ? ORDER BY \`key\``,
      [`rollback #${rollback.id}:%`],
    );
    const jobs = await ds.query(`SELECT name, stopped, changed_by, reason FROM job_control ORDER BY name`);
    const flags: Array<Record<string, unknown>> = await ds.query(
      `SELECT \`key\`, enabled, updated_by FROM feature_flag ORDER BY \`key\``,
    );
    const [row] = await ds.query(
      `SELECT kind, phases, revert_schema, backup, reason, actor, request_id, status, data_loss, issues, resolution, backup_location, steps FROM rollback_log WHERE id = ?`,
      [rollback.id],
    );
    const ownId = (rows: Array<{ reason: string }>) =>
      rows.map((r) => ({ ...r, reason: r.reason.replace(`rollback #${rollback.id}:`, 'rollback #N:') }));
    const steps = (JSON.parse(row.steps) as RollbackRecord['steps']).map(({ phase, name, status, detail }) => ({
      phase,
      name,
      status,
      detail,
    }));
    const numbers = (o: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [k, typeof v === 'bigint' || typeof v === 'boolean' ? Number(v) : v]),
      );
    return {
      audit: ownId(audit).map(numbers),
      jobs: ownId(jobs).map(numbers),
      flags: flags.map(numbers),
      log: numbers({ ...row, steps: undefined }),
      steps,
    };
  }

  async function lean(reason: string): Promise<RollbackRecord> {
    const result = await runCli(['rollback', '--emergency', '--reason', reason, '--yes', '--json'], env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(result.stdout).rollback;
  }

  it('does exactly what the full emergency rollback does: flags, audit, job stops, rollback_log', async () => {
    await everythingOn();
    const full = await t.app
      .get(RollbackService)
      .rollback({ emergency: true, reason: 'line 2 stopped', actor: cliActor() });
    const fullPrint = await footprint(full);
    await everythingOn();
    const leanRun = await lean('line 2 stopped');
    const leanPrint = await footprint(leanRun);

    expect(leanRun.status).toBe('completed');
    expect(fullPrint.flags.every((f) => f.enabled === 0)).toBe(true);
    expect(fullPrint.audit).toHaveLength(allFlags().length);
    expect(fullPrint.audit[0]).toMatchObject({
      old_value: 1,
      new_value: 0,
      actor: cliActor(),
      reason: 'rollback #N: line 2 stopped',
      request_id: null,
    });
    expect(fullPrint.jobs).toHaveLength(allJobs().length);
    expect(fullPrint.jobs.every((j) => j.stopped === 1)).toBe(true);
    expect(leanPrint.audit).toEqual(fullPrint.audit);
    expect(leanPrint.jobs).toEqual(fullPrint.jobs);
    expect(leanPrint.flags).toEqual(fullPrint.flags);
    expect(leanPrint.log).toEqual(fullPrint.log);
    // the one difference: the lean path boots no application to run each phase's verifyLegacy()
    const legacyChecks = (steps: typeof fullPrint.steps) => steps.filter((s) => s.name === 'verify-legacy');
    const others = (steps: typeof fullPrint.steps) => steps.filter((s) => s.name !== 'verify-legacy');
    expect(others(leanPrint.steps)).toEqual(others(fullPrint.steps));
    expect(legacyChecks(fullPrint.steps).map((s) => [s.phase, s.status])).toEqual(
      registry()
        .all()
        .map((p) => [p.number, 'done'])
        .reverse(),
    );
    expect(legacyChecks(leanPrint.steps)).toEqual(
      legacyChecks(fullPrint.steps).map((s) => ({ ...s, status: 'skipped', detail: VERIFY_SKIPPED })),
    );
  });

  it('is seen by another replica within FLAG_REFRESH_MS: every flag off there, every job stopped', async () => {
    await everythingOn();
    const flags = replica.app.get(FlagsService);
    await lean('replicas must follow');
    // the replica's own refresh loop must do it (nothing changed locally there); generous for a busy host
    await waitFor(async () => allFlags().every((k) => !flags.isEnabled(k)), REFRESH_MS * 20);
    for (const name of allJobs()) expect(await replica.app.get(JobsService).isStopped(name)).toBe(true);
  });

  it('is what the runbook script runs', async () => {
    await everythingOn();
    const { stdout } = await promisify(execFile)(
      'bash',
      [resolve(PROJECT_ROOT, 'scripts/emergency-rollback.sh'), 'from the runbook', '--yes', '--json'],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      },
    );
    const rollback: RollbackRecord = JSON.parse(stdout).rollback;
    expect(rollback.status).toBe('completed');
    expect(rollback.steps.filter((s) => s.name === 'verify-legacy').map((s) => s.detail)).toEqual(
      registry()
        .all()
        .map(() => VERIFY_SKIPPED),
    );
  });

  it('posts the started, finished and investigating notices to the rollback webhook, as the full path does', async () => {
    await everythingOn();
    const received: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const result = await runCli(['rollback', '--emergency', '--reason', 'with a webhook', '--yes', '--json'], {
        ...env,
        ROLLBACK_WEBHOOK_URL: url,
      });
      expect(result.code).toBe(0);
      const rollback: RollbackRecord = JSON.parse(result.stdout).rollback;
      // in order, and the INVESTIGATING notice after the end: the CLI exits once they are out
      expect(received.map((n) => n.event)).toEqual(['rollback.started', 'rollback.finished', 'rollback.investigating']);
      for (const notice of received)
        expect(notice).toMatchObject({
          rollback: rollback.id,
          kind: 'emergency',
          reason: 'with a webhook',
          phases: rollback.phases,
        });
      expect(rollback.issues).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('boots the application instead when no replica has registered its phases yet, and still rolls back', async () => {
    await everythingOn();
    await ds.query(`DELETE FROM phase_manifest`);
    const result = await runCli(['rollback', '--emergency', '--reason', 'empty manifest', '--yes', '--json'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('lean emergency path unavailable');
    const rollback: RollbackRecord = JSON.parse(result.stdout).rollback;
    expect(rollback.status).toBe('completed');
    expect(rollback.steps.filter((s) => s.name === 'verify-legacy').every((s) => s.status === 'done')).toBe(true);
    expect((await ds.query(`SELECT \`key\` FROM feature_flag WHERE enabled = 1`)).length).toBe(0);
  });

  it('leaves a dry run and a missing reason to the full command', async () => {
    const dryRun = await runCli(['rollback', '--emergency', '--reason', 'look first', '--dry-run', '--json'], env);
    expect(dryRun.code).toBe(0);
    expect(JSON.parse(dryRun.stdout)).toMatchObject({ ok: true, dryRun: true });
    const noReason = await runCli(['rollback', '--emergency', '--yes'], env);
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('a rollback needs a reason');
  });
});
