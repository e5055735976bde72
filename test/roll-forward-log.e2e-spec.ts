import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { EnvironmentInput } from '../src/config/environment.js';
import { Role } from '../src/common/auth/role.js';
import { FullBackupService } from '../src/phases/backup/full-backup.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { RollbackLog } from '../src/phases/rollback/rollback-log.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { buildPhasesCli, runPhasesCli } from './support/phases-cli-build.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { samplePhases } from './support/test-phases.js';

/**
 * Re-enabling is a logged, reasoned act: `phases enable` and its REST face need a reason, each
 * re-enable is a roll-forward entry in the rollback log, and the phase's last rollback gets its
 * "re-enabled at"; the rollback history's method, root cause and outcome are kept and shown.
 */
describe('roll forward and the rollback history', () => {
  let t: TestApp;
  let ds: DataSource;
  let env: EnvironmentInput;
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-roll-forward-'));
  const cli = (...args: string[]) => runPhasesCli(args, env);
  const json = (stdout: string) => JSON.parse(stdout.slice(stdout.search(/^(\{|\[(?!Nest))/m)));
  const admin = () => t.auth(Role.Admin);
  const flagOn = (key: string) => t.app.get(FlagsService).isEnabled(key);
  const entry = (id: number) => t.http().get(`/api/v1/admin/rollbacks/${id}`).set(admin()).expect(200);

  beforeAll(async () => {
    await buildPhasesCli();
    t = await startTestApp({ JOBS_ENABLED: 'false' }, undefined, samplePhases);
    ds = t.app.get(DataSource);
    env = { ...t.db.env, BACKUP_DIR: backupDir, JOBS_ENABLED: 'false', LOG_LEVEL: 'warn' };
  }, 180_000);
  afterAll(() => t.close());

  it('phases enable without --reason is refused as bad input (exit 1, naming it) and changes nothing', async () => {
    const rolled = await cli('rollback', '--phase', '92', '--reason', 'sample misbehaves', '--yes', '--json');
    expect(rolled.code).toBe(0);
    expect(json(rolled.stdout).rollback).toMatchObject({ method: 'cli', status: 'completed' });
    const before = await t.app.get(RollbackLog).list();
    const refused = await cli('phases', 'enable', '--phase', '92');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/reason: re-enabling a phase needs a reason/);
    await t.app.get(FlagsService).refresh();
    expect(flagOn('sample2_enabled')).toBe(false);
    expect(await t.app.get(RollbackLog).list()).toEqual(before);
    const rest = await t.http().post('/api/v1/admin/phases/92/enable').set(admin()).send({}).expect(400);
    expect(rest.body.errors.map((e: { field: string }) => e.field)).toEqual(['reason']);
  }, 120_000);

  it('a re-enable is logged as a roll-forward with its steps, and stamps the last rollback of the phase', async () => {
    const [rollback] = await t.app.get(RollbackLog).list(1);
    expect(rollback).toMatchObject({ kind: 'phase', phases: [92], reEnabledAt: null });
    const res = await cli('phases', 'enable', '--phase', '92', '--reason', 'fix deployed', '--json');
    expect(res.code).toBe(0);
    const { log } = json(res.stdout);
    expect(log).toMatchObject({
      kind: 'roll-forward',
      phases: [92],
      status: 'completed',
      reason: 'fix deployed',
      method: 'cli',
      durationMs: expect.any(Number),
    });
    expect(log.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      'migrate-schema:done',
      'enable-flags:done',
      'resume-jobs:done',
      'log:done',
    ]);
    const stamped = (await entry(rollback.id)).body;
    expect(stamped.reEnabledAt).not.toBeNull();
    expect(new Date(stamped.reEnabledAt).getTime()).toBeGreaterThanOrEqual(new Date(log.startedAt).getTime());
    // the phase status shows the rollback, not the roll-forward, as the last one, with its re-enable
    const status = await cli('phases', 'status');
    expect(status.stdout).toMatch(new RegExp(`#${rollback.id} phase completed \\S+ re-enabled ${stamped.reEnabledAt}`));
  }, 120_000);

  it('a shadow-only re-enable is logged but does not count as re-enabled; the REST face logs method api', async () => {
    const rolled = await t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(admin())
      .send({ phase: 92, reason: 'again' })
      .expect(201);
    const shadow = await t
      .http()
      .post('/api/v1/admin/phases/91/enable')
      .set(admin())
      .send({ reason: 'compare first', shadowOnly: true })
      .expect(200);
    expect(shadow.body.log).toMatchObject({ kind: 'roll-forward', phases: [91], method: 'api', status: 'completed' });
    expect(shadow.body.flagsOn).toEqual(['sample_shadow']);
    const full = await t
      .http()
      .post('/api/v1/admin/phases/92/enable')
      .set(admin())
      .send({ reason: 'second fix' })
      .expect(200);
    expect(full.body.log).toMatchObject({ kind: 'roll-forward', method: 'api', reason: 'second fix' });
    expect((await entry(rolled.body.id)).body.reEnabledAt).toBe(full.body.log.finishedAt);
  });

  it('phases resolve writes root cause, outcome and resolution; the API and the report show them', async () => {
    const [rollback] = (await t.app.get(RollbackLog).list()).filter((r) => r.kind === 'phase');
    const missing = await cli('phases', 'resolve', '--rollback', String(rollback.id));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/resolution: is required/);
    const res = await cli(
      'phases',
      'resolve',
      ...['--rollback', String(rollback.id), '--resolution', 'config corrected'],
      ...['--root-cause', 'wrong batch size', '--outcome', 'fixed, no further issues'],
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Method: api\nRoot cause: wrong batch size\nResolution: config corrected\n');
    expect(res.stdout).toMatch(/Outcome: fixed, no further issues\nRe-enabled: \S+/);
    expect((await entry(rollback.id)).body).toMatchObject({
      rootCause: 'wrong batch size',
      outcome: 'fixed, no further issues',
      resolution: 'config corrected',
      method: 'api',
    });
    const rows: unknown[] = await ds.query(`SELECT id FROM rollback_log WHERE kind = 'roll-forward'`);
    expect(rows).toHaveLength(3);
  }, 120_000);

  it('--full-backup takes a verified full backup first and logs where; a backup that fails refuses, nothing changed', async () => {
    await t.app.get(RollbackService).rollback({ phase: 92, reason: 'before the backup check', actor: 'test' });
    const rollForwards = async () => (await t.app.get(RollbackLog).list()).filter((r) => r.kind === 'roll-forward');
    const before = await rollForwards();
    // a folder under a plain file cannot be made (not under /proc: Node's recursive mkdir spins there)
    const notADirectory = join(backupDir, 'a-file');
    writeFileSync(notADirectory, '');
    const unusable = { ...env, BACKUP_DIR: join(notADirectory, 'backups') };
    const refused = await runPhasesCli(
      ['phases', 'enable', '--phase', '92', '--reason', 'with a backup', '--full-backup'],
      unusable,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refused: Backup directory .*a-file\/backups cannot take the backup \(ENOTDIR/);
    await t.app.get(FlagsService).refresh();
    expect(flagOn('sample2_enabled')).toBe(false);
    expect(await rollForwards()).toEqual(before);

    const res = await cli('phases', 'enable', '--phase', '92', '--reason', 'with a backup', '--full-backup', '--json');
    expect(res.code).toBe(0);
    const { log } = json(res.stdout);
    expect(log.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      'full-backup:done',
      'migrate-schema:done',
      'enable-flags:done',
      'resume-jobs:done',
      'log:done',
    ]);
    expect(existsSync(log.backupLocation)).toBe(true);
    expect((await t.app.get(FullBackupService).latestVerified())?.location).toBe(log.backupLocation);
    await t.app.get(FlagsService).refresh();
    expect(flagOn('sample2_enabled')).toBe(true);
  }, 180_000);
});
