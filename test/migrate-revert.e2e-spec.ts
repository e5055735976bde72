import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { EnvironmentInput } from '../src/config/environment.js';
import { MigrationService } from '../src/database/migration.service.js';
import { FullBackupService } from '../src/phases/backup/full-backup.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { buildPhasesCli, runPhasesCli } from './support/phases-cli-build.js';
import { tableExists } from './support/rollback-support.js';
import { waitFor } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { SAMPLE_JOB, sampleJobTiming, samplePhases } from './support/test-phases.js';

/**
 * `migrate --revert` as operators run it (real CLI processes, exit codes 0/1/2) obeys the
 * runbook's rules: flags go first for a phase's schema, and core data is dropped only by an
 * explicit override with a verified full backup.
 */
describe('migrate --revert under the rollback rules', () => {
  let t: TestApp;
  let ds: DataSource;
  let env: EnvironmentInput;
  const change = { actor: 'test', reason: 'migrate revert suite' };
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-revert-backups-'));
  const cli = (...args: string[]) => runPhasesCli(args, env);
  const flags = () => t.app.get(FlagsService);

  beforeAll(async () => {
    await buildPhasesCli();
    // no path telemetry: the core migrations newer than the rollback history must hold nothing here
    const quiet = { JOBS_ENABLED: 'false', TELEMETRY_FLUSH_MS: '0', BACKUP_DIR: backupDir };
    t = await startTestApp(quiet, undefined, samplePhases);
    ds = t.app.get(DataSource);
    env = { ...t.db.env, ...quiet, LOG_LEVEL: 'warn' };
  }, 180_000);
  afterAll(() => t?.close());

  it("refuses a phase's migration while its flag is on (exit 2, naming the flag and the rollback command), and reverts it once off", async () => {
    await flags().set('sample2_enabled', true, change);
    const refused = await cli('migrate', '--revert');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /refused: Refusing to revert Phase92Sample1799000100000: flags go first, and phase 92 is live \(its flags are on: sample2_enabled\)\..*rollback --phase 92 --revert-schema --backup --reason TEXT/,
    );
    expect(await tableExists(ds, 'sample2_data')).toBe(true);

    await flags().set('sample2_enabled', false, change);
    expect(await cli('migrate', '--revert')).toMatchObject({
      code: 0,
      stdout: 'Reverted Phase92Sample1799000100000\n',
    });
    expect(await tableExists(ds, 'sample2_data')).toBe(false);
  });

  it('refuses while a job of the phase is not stopped with its flag on, or is running, naming the job', async () => {
    await flags().set('sample_runtime', true, change);
    const notStopped = await cli('migrate', '--revert');
    expect(notStopped.code).toBe(2);
    expect(notStopped.stderr).toMatch(
      /its flags are on: sample_runtime; its jobs are running or not stopped: sample-tick \(not stopped\)/,
    );

    await flags().set('sample_runtime', false, change);
    sampleJobTiming.durationMs = 60_000;
    const inFlight = t.app.get(JobsService).runNow(SAMPLE_JOB);
    try {
      await waitFor(() => t.app.get(JobsService).isRunning(SAMPLE_JOB), 5000);
      const running = await cli('migrate', '--revert');
      expect(running.code).toBe(2);
      expect(running.stderr).toMatch(
        /phase 91 is live \(its jobs are running or not stopped: sample-tick \(running\)\)/,
      );
    } finally {
      await t.app.get(JobsService).stop(SAMPLE_JOB, change);
      sampleJobTiming.durationMs = 0;
      await inFlight;
    }
    // flags off, job stopped: what stands in the way now is the data guard, not flags first
    const dataGuard = await cli('migrate', '--revert');
    expect(dataGuard.code).toBe(2);
    expect(dataGuard.stderr).toMatch(/Refusing to drop phase 91's schema: sample_log: holds data/);
    expect(await tableExists(ds, 'sample_log')).toBe(true);
  });

  it('refuses to drop core tables holding data, even on a raw revert, naming them and the override (exit 2); the override takes a verified full backup first', async () => {
    // the sequence: a full rollback with schema and backup, then one more revert
    const rollback = await t.app
      .get(RollbackService)
      .rollback({ toPhase: 7, revertSchema: true, backup: true, reason: 'full rollback', actor: 'test' });
    expect(rollback.status).toBe('completed');
    const migrations = t.app.get(MigrationService);
    await t.app.get(FullBackupService).take({ actor: 'test', reason: 'before the suite reverts the core' });
    // the core migrations newer than the rollback history hold nothing here: they go without a word
    while ((await lastApplied()) !== 'CoreRollbackHistory1764000630000') await migrations.revertLast();
    // columns count too: the rollback history written with a resolution is not dropped
    await ds.query(`UPDATE rollback_log SET root_cause = ?`, ['a cause found later']);
    await expect(migrations.revertLast()).rejects.toMatchObject({
      code: 'UNSAFE_REQUEST',
      details: { migration: 'CoreRollbackHistory1764000630000', tables: ['rollback_log.root_cause'] },
    });
    await ds.query(`UPDATE rollback_log SET root_cause = NULL`);
    // what holds nothing goes without a word: the history's empty columns, the drills' empty table
    await migrations.revertLast();
    await migrations.revertLast();
    expect(await lastApplied()).toBe('CoreFullBackup1764000610000');
    await expect(migrations.revertLast()).rejects.toMatchObject({
      code: 'UNSAFE_REQUEST',
      details: { migration: 'CoreFullBackup1764000610000', tables: ['full_backup'] },
    });

    const refused = await cli('migrate', '--revert');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /refused: Refusing to revert CoreFullBackup1764000610000: it would drop core tables or columns holding data \(full_backup\)\. .*migrate --revert --drop-core-data --reason TEXT --full-backup/,
    );
    const noReason = await cli('migrate', '--revert', '--drop-core-data', '--full-backup');
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/--drop-core-data needs --reason TEXT/);
    const noBackup = await cli('migrate', '--revert', '--drop-core-data', '--reason', 'decommission');
    expect(noBackup.code).toBe(2);
    expect(noBackup.stderr).toMatch(/--drop-core-data needs a verified full backup taken first/);
    expect(await tableExists(ds, 'full_backup')).toBe(true);
    const backups = Number((await ds.query<Array<{ n: unknown }>>(`SELECT COUNT(*) AS n FROM full_backup`))[0].n);

    const overridden = await cli(
      'migrate',
      '--revert',
      '--drop-core-data',
      '--reason',
      'decommission',
      '--full-backup',
    );
    expect(overridden.code).toBe(0);
    // the override is logged as a warning, with the backup that holds what was dropped
    expect(overridden.stdout).toMatch(/dropping core tables that hold data, by explicit override/);
    expect(overridden.stdout).toMatch(/Reverted CoreFullBackup1764000610000\n$/);
    expect(await tableExists(ds, 'full_backup')).toBe(false);
    // the backup the override took is on disk beside the earlier ones
    const folders = readdirSync(backupDir).filter((f) => f.endsWith('-full'));
    expect(folders.length).toBe(backups + 1);
    for (const folder of folders) expect(existsSync(join(backupDir, folder, 'manifest.json'))).toBe(true);

    // rebuildable bookkeeping goes without a word; the rollback log and the backup records do not
    for (let last = await lastApplied(); last !== 'CoreRollback1764000300000'; last = await lastApplied()) {
      expect(last).toMatch(/^Core/);
      await migrations.revertLast();
    }
    await expect(migrations.revertLast()).rejects.toMatchObject({
      code: 'UNSAFE_REQUEST',
      details: { migration: 'CoreRollback1764000300000', tables: ['rollback_log', 'schema_backup'] },
    });
    const audit = await cli('migrate', '--revert');
    expect(audit.code).toBe(2);
    expect(audit.stderr).toMatch(
      /Refusing to revert CoreRollback1764000300000: it would drop core tables or columns holding data \(rollback_log, schema_backup\)/,
    );
    for (const table of ['rollback_log', 'schema_backup', 'rollback_lease'])
      expect({ table, exists: await tableExists(ds, table) }).toEqual({ table, exists: true });
  });

  async function lastApplied(): Promise<string | undefined> {
    const status = await t.app.get(MigrationService).status();
    return status.filter((m) => m.applied).at(-1)?.name;
  }
});
