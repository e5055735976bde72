import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../src/dashboard/dashboard.schema.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import { RestoreService } from '../src/phases/backup/restore.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { RollForwardService } from '../src/phases/rollback/roll-forward.service.js';
import { fingerprint } from './support/db-fingerprint.js';
import { assertBuilt, runCli, UNBUNDLED_CLI_JS } from './support/processes.js';
import { tableExists } from './support/rollback-support.js';
import { waitFor } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { PROJECT_ROOT } from '../src/config/project-root.js';

const HOOK = resolve(PROJECT_ROOT, 'test/support/halt-at-step.mjs');
const STEPS = ['disable-flags', 'stop-jobs', 'backup', 'revert-schema', 'verify-legacy', 'log'] as const;
/** What a rollback and its undoing legitimately write: flags, job stops, leases, the log itself, backups, migration bookkeeping. */
const BOOKKEEPING = [
  'feature_flag',
  'feature_flag_audit',
  'feature_flag_state',
  'job_control',
  'job_lease',
  'job_run',
  'rollback_log',
  'rollback_lease',
  'schema_backup',
  'migrations',
  'migration_lock',
  'phase_schema',
];
const change = { actor: 'faults', reason: 'faults suite' };

function stopped(pid: number): boolean {
  try {
    // the state letter follows the parenthesised command name
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T') ?? false;
  } catch {
    return false;
  }
}

/**
 * The real CLI rolling back Phase 10 (schema reverted, with backup) is SIGKILLed during each
 * step in turn: after the step's work and before the log records it (the hardest point for
 * idempotence), and for the closing step once it is recorded running. After each kill a new
 * process resumes it; the backup it leaves is restored after a roll forward, and every table
 * but the rollback's own bookkeeping must be identical to before.
 */
describe('faults: a rollback SIGKILLed at each step', () => {
  let t: TestApp;
  let ds: DataSource;
  let env: Record<string, string>;
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-faults-backups-'));

  beforeAll(async () => {
    assertBuilt();
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: backupDir });
    ds = t.app.get(DataSource);
    env = { ...(t.db.env as Record<string, string>), JOBS_ENABLED: 'false', BACKUP_DIR: backupDir, LOG_LEVEL: 'warn' };
    await t.app.get(DemoSeedService).seed();
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, true, change);
    expect((await t.app.get(JobsService).runNow(REFRESH_JOB)).status).toBe('succeeded');
    const [{ n }] = await ds.query(`SELECT COUNT(*) AS n FROM mv_token_flow_summary`);
    expect(Number(n)).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it.each(STEPS)(
    'killed during %s: `rollback --resume` completes it and nothing is lost',
    async (step) => {
      const before = await fingerprint(ds, BOOKKEEPING);
      const child = spawn(
        process.execPath,
        [
          '--import',
          HOOK,
          UNBUNDLED_CLI_JS,
          'rollback',
          '--phase',
          '10',
          '--revert-schema',
          '--backup',
          '--reason',
          `kill during ${step}`,
          '--yes',
          '--json',
        ],
        {
          cwd: PROJECT_ROOT,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env, FAULT_HALT: step },
          stdio: 'ignore',
        },
      );
      const exited = new Promise((r) => child.on('exit', (code, signal) => r(signal ?? code)));
      let gone: unknown = null;
      void exited.then((e) => (gone = e));
      try {
        await waitFor(async () => gone !== null || stopped(child.pid!), 60_000, 20);
        expect(gone).toBeNull();
      } finally {
        // never left running (or stopped) with its connection, lease and locks when the wait fails
        child.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');

      const [killed] = await ds.query(`SELECT id, status, steps FROM rollback_log ORDER BY id DESC LIMIT 1`);
      const recorded = (typeof killed.steps === 'string' ? JSON.parse(killed.steps) : killed.steps) as Array<{
        name: string;
        status: string;
      }>;
      expect(killed.status).toBe('running');
      expect(recorded.find((s) => s.name === step)!.status).toBe('running');

      const resumed = await runCli(['rollback', '--resume', '--yes', '--json'], env, 120_000);
      expect(resumed.code === 0 ? 'exit 0' : `exit ${resumed.code}: ${resumed.stdout}${resumed.stderr}`).toBe('exit 0');
      const rollback = JSON.parse(resumed.stdout.slice(resumed.stdout.search(/^\{/m))).rollback;
      expect(rollback).toMatchObject({ id: killed.id, status: 'completed', dataLoss: false });
      expect(rollback.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(
        // killed after its work, the revert is found done on resume
        STEPS.map((s) => `${s}:${s === 'revert-schema' && step === 'revert-schema' ? 'skipped' : 'done'}`),
      );
      expect(await tableExists(ds, 'mv_token_flow_summary')).toBe(false);

      // undo it: schema and flag back, then the rows from the backup the rollback recorded
      await t.app.get(RollForwardService).enable(10, {}, change);
      const location = String(rollback.backupLocation).split('; ').pop()!;
      await t.app.get(RestoreService).restore(location);
      expect(await fingerprint(ds, BOOKKEEPING)).toEqual(before);
    },
    180_000,
  );
});
