import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { EnvironmentInput } from '../src/config/environment.js';
import { BackupService } from '../src/phases/backup/backup.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { RollbackLease } from '../src/phases/rollback/rollback-lease.js';
import { buildPhasesCli, PHASES_CLI_JS, runPhasesCli } from './support/phases-cli-build.js';
import { digest, fillSampleLog, tableExists } from './support/rollback-support.js';
import { waitFor } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { SAMPLE92_SCHEMA, samplePhases } from './support/test-phases.js';
import { PROJECT_ROOT } from '../src/config/project-root.js';

/** The CLI as operators run it: real processes on the suite's database, exit codes 0/1/2. */
describe('phase CLI (real processes)', () => {
  let t: TestApp;
  let ds: DataSource;
  let env: EnvironmentInput;
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-cli-backups-'));
  const cli = (...args: string[]) => runPhasesCli(args, env);
  // the CLI's logger writes warnings (a lease taken over, say) to stdout as "[Nest] ..." lines before the document
  const json = (stdout: string) => JSON.parse(stdout.slice(stdout.search(/^(\{|\[(?!Nest))/m)));

  beforeAll(async () => {
    await buildPhasesCli();
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: backupDir }, undefined, samplePhases);
    ds = t.app.get(DataSource);
    env = { ...t.db.env, BACKUP_DIR: backupDir, JOBS_ENABLED: 'false', LOG_LEVEL: 'warn' };
  }, 180_000);
  afterAll(() => t.close());

  it('raw `migrate --revert` obeys the guard: refused (exit 2) with data, done once a verified backup covers it', async () => {
    await ds.query(`INSERT INTO sample2_data (id, payload) VALUES (1, 'x')`);
    const refused = await cli('migrate', '--revert');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /refused: Refusing to drop phase 92's schema: sample2_data: holds data and no verified backup covers it/,
    );
    expect(await tableExists(ds, 'sample2_data')).toBe(true);
    await t.app.get(BackupService).backup(SAMPLE92_SCHEMA, 'test');
    const done = await cli('migrate', '--revert');
    expect(done).toMatchObject({ code: 0, stdout: 'Reverted Phase92Sample1799000100000\n' });
    expect(await tableExists(ds, 'sample2_data')).toBe(false);
  });

  it('flags, status and roll forward', async () => {
    const noReason = await cli('phases', 'enable', '--phase', '92');
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/reason: re-enabling a phase needs a reason \(--reason TEXT\)/);
    expect(await tableExists(ds, 'sample2_data')).toBe(false);
    const enabled = await cli('phases', 'enable', '--phase', '92', '--reason', 'guard test over', '--json');
    expect({ code: enabled.code, stderr: enabled.stderr }).toEqual({ code: 0, stderr: '' });
    expect(json(enabled.stdout)).toMatchObject({
      ok: true,
      migrationsApplied: ['Phase92Sample1799000100000'],
      flagsOn: ['sample2_enabled'],
    });
    expect((await cli('flags', 'set', 'sample_runtime', 'on')).code).toBe(1); // no reason
    expect((await cli('flags', 'set', 'sample_runtime', 'on', '--reason', 'pilot')).code).toBe(0);
    const list = await cli('flags', 'list', '--json');
    expect(
      json(list.stdout)
        .filter((f: { enabled: boolean }) => f.enabled)
        .map((f: { key: string }) => f.key),
    ).toEqual(['sample_runtime', 'sample2_enabled']);
    const status = await cli('phases', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/91\s+sample\s+applied\s+sample_runtime/);
  });

  it('refuses without --yes when stdin is not a terminal (exit 2), and a dry run changes nothing', async () => {
    const noYes = await cli('rollback', '--phase', '92', '--reason', 'test');
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/stdin is not a terminal\. Pass --yes/);
    const dry = await cli('rollback', '--to-phase', '91', '--revert-schema', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(json(dry.stdout)).toMatchObject({ ok: true, dryRun: true, plan: { phases: [92, 91], refusals: [] } });
    const refused = await cli('rollback', '--phase', '91', '--revert-schema', '--dry-run');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/Would be refused: schema reverts go in stack order: revert phase 92 first/);
    expect(t.app.get(FlagsService).isEnabled('sample2_enabled')).toBe(true);
    expect(await t.app.get(PhaseRegistry).schemaState(92)).toBe('applied');
  });

  it('answers ROLLBACK_IN_PROGRESS (exit 2) while another replica holds the rollback lease', async () => {
    await new RollbackLease(ds).hold(async () => {
      const res = await cli('rollback', '--phase', '92', '--reason', 'concurrent', '--yes', '--json');
      expect(res.code).toBe(2);
      expect(json(res.stdout)).toMatchObject({ ok: false, code: 'ROLLBACK_IN_PROGRESS' });
    });
  });

  it('a rollback killed (SIGKILL) after step 2 resumes to completion', async () => {
    expect((await cli('rollback', '--phase', '92', '--revert-schema', '--reason', 'make room', '--yes')).code).toBe(0);
    await fillSampleLog(ds, 200_000);
    const before = await digest(ds, 'sample_log');
    const child = spawn(
      process.execPath,
      [
        PHASES_CLI_JS,
        'rollback',
        '--phase',
        '91',
        '--revert-schema',
        '--backup',
        '--reason',
        'kill test',
        '--yes',
        '--json',
      ],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((r) => child.on('exit', (code, signal) => r(signal ?? code)));
    const latest = async () =>
      (await ds.query(`SELECT id, status, steps FROM rollback_log ORDER BY id DESC LIMIT 1`))[0];
    await waitFor(
      async () => {
        const row = await latest();
        return row?.status === 'running' && JSON.parse(row.steps)[1].status === 'done';
      },
      60_000,
      5,
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killed = await latest();
    const steps = JSON.parse(killed.steps);
    expect(killed.status).toBe('running');
    expect(steps.slice(0, 2).map((s: { status: string }) => s.status)).toEqual(['done', 'done']);
    expect(steps[3].status).toBe('pending'); // revert-schema never started
    expect(await tableExists(ds, 'sample_log')).toBe(true);

    const resumed = await cli('rollback', '--resume', '--yes', '--json');
    expect(resumed.code).toBe(0);
    const rollback = json(resumed.stdout).rollback;
    expect(rollback).toMatchObject({ id: killed.id, status: 'completed', dataLoss: false });
    expect(rollback.steps.map((s: { status: string }) => s.status)).toEqual([
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
    ]);
    expect(rollback.issues.join(' ')).toMatch(/resumed by cli:/);
    expect(await tableExists(ds, 'sample_log')).toBe(false);
    const location = rollback.backupLocation;
    expect(existsSync(join(location, 'manifest.json'))).toBe(true);

    expect((await cli('phases', 'enable', '--phase', '91', '--reason', 'restore next')).code).toBe(0);
    const restored = await cli('restore', '--from', location, '--json');
    expect(restored.code).toBe(0);
    expect(await digest(ds, 'sample_log')).toEqual(before);
    expect((await cli('rollback', '--resume', '--yes')).code).toBe(2); // nothing left to resume
  }, 180_000);

  it('emergency rollback through the CLI: every flag off, every job stopped', async () => {
    const res = await cli('rollback', '--emergency', '--reason', 'line stopped', '--yes');
    expect(res.code).toBe(0);
    const registry = t.app.get(PhaseRegistry);
    const switched = new RegExp(
      `all\\s+disable-flags\\s+done\\s+\\d+ ms\\s+${registry.flags().length} flags off and ${registry.jobs().length} jobs stopped in one transaction`,
    );
    expect(res.stdout).toMatch(switched);
    await t.app.get(FlagsService).refresh();
    expect(
      t.app
        .get(FlagsService)
        .list()
        .some((f) => f.enabled),
    ).toBe(false);
    const [{ stopped }] = await ds.query(`SELECT stopped FROM job_control WHERE name = 'sample-tick'`);
    expect(Number(stopped)).toBe(1);
  });
});
