import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { RestoreService } from '../src/phases/backup/restore.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { RollForwardService } from '../src/phases/rollback/roll-forward.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { digest, fillSampleLog, tableExists } from './support/rollback-support.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { samplePhases } from './support/test-phases.js';

describe('backup, guarded revert, roll forward, restore', () => {
  let t: TestApp;
  let ds: DataSource;
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-backups-'));
  const change = { actor: 'test', reason: 'backup suite' };

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: backupDir }, undefined, samplePhases);
    ds = t.app.get(DataSource);
    await fillSampleLog(ds, 12_345);
    await ds.query(`INSERT INTO sample_cache (id, value) VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    for (const { id } of await ds.query(`SELECT id FROM api_key WHERE id % 2 = 0`))
      await ds.query(`UPDATE api_key SET sample_note = ? WHERE id = ?`, [`note-${id}`, id]);
    await t.app.get(FlagsService).set('sample_runtime', true, change);
  });
  afterAll(() => t.close());

  it('an unusable backup directory stops the rollback before any change, saying why', async () => {
    const file = join(backupDir, 'not-a-directory');
    writeFileSync(file, 'x');
    const other = await startTestApp(
      { JOBS_ENABLED: 'false', BACKUP_DIR: join(file, 'backups'), MIGRATE_ON_START: 'false' },
      t.db,
      samplePhases,
    );
    try {
      await other
        .http()
        .post('/api/v1/admin/rollbacks')
        .set(other.auth(Role.Admin))
        .send({ phase: 92, revertSchema: true, reason: 'disk test' })
        .expect(201);
      const res = await other
        .http()
        .post('/api/v1/admin/rollbacks')
        .set(other.auth(Role.Admin))
        .send({ phase: 91, revertSchema: true, backup: true, reason: 'disk test' })
        .expect(409);
      expect(res.body.message).toMatch(
        /Backup directory .* cannot take the backup \((ENOTDIR|EEXIST): .*\); nothing was dropped/,
      );
    } finally {
      await other.close();
    }
    expect(t.app.get(FlagsService).view('sample_runtime').enabled).toBe(true);
    expect(await tableExists(ds, 'sample_log')).toBe(true);
  });

  it('backs up, reverts, migrates up and restores identical rows; a second restore changes nothing', async () => {
    const before = {
      log: await digest(ds, 'sample_log'),
      cache: await digest(ds, 'sample_cache'),
      note: await digest(ds, 'api_key', 'sample_note'),
    };
    expect(before.log!.rows).toBe(12_345);
    expect(before.note!.rows).toBeGreaterThan(0);

    const rollback = await t.app
      .get(RollbackService)
      .rollback({ phase: 91, revertSchema: true, backup: true, reason: 'vendor outage', actor: 'test' });
    expect(rollback).toMatchObject({ status: 'completed', dataLoss: false });
    expect(rollback.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'disable-flags:done',
      'stop-jobs:done',
      'backup:done',
      'revert-schema:done',
      'verify-legacy:done',
      'log:done',
    ]);
    const location = rollback.backupLocation!;
    const manifest = JSON.parse(readFileSync(join(location, 'manifest.json'), 'utf8'));
    expect(manifest.items.map((i: { file: string; rows: number }) => [i.file, i.rows])).toEqual([
      ['sample_log.jsonl', 12_345],
      ['sample_cache.jsonl', 3],
      ['api_key.sample_note.jsonl', before.note!.rows],
    ]);
    expect(manifest.items[0].sha256).toBe(before.log!.sha256);
    expect(await tableExists(ds, 'sample_log')).toBe(false);
    expect(await digest(ds, 'api_key', 'sample_note')).toBeNull();
    expect(await t.app.get(PhaseRegistry).schemaState(91)).toBe('reverted');

    const restore = t.app.get(RestoreService);
    await expect(restore.restore(location)).rejects.toMatchObject({ code: 'SCHEMA_NOT_APPLIED' });
    const forward = await t.app.get(RollForwardService).enable(91, { shadowOnly: true }, change);
    expect(forward).toMatchObject({
      migrationsApplied: ['Phase91Sample1799000000000'],
      flagsOn: ['sample_shadow'],
      jobsResumed: [],
    });
    expect(await digest(ds, 'sample_log')).toEqual({ rows: 0, sha256: expect.any(String) });

    const first = await restore.restore(location);
    expect(first.items.map((i) => [i.table, i.column ?? null, i.rows])).toEqual([
      ['sample_log', null, 12_345],
      ['sample_cache', null, 3],
      ['api_key', 'sample_note', before.note!.rows],
    ]);
    expect({
      log: await digest(ds, 'sample_log'),
      cache: await digest(ds, 'sample_cache'),
      note: await digest(ds, 'api_key', 'sample_note'),
    }).toEqual(before);
    await restore.restore(location);
    expect({
      log: await digest(ds, 'sample_log'),
      cache: await digest(ds, 'sample_cache'),
      note: await digest(ds, 'api_key', 'sample_note'),
    }).toEqual(before);
    // rows the backup does not hold make the restore fail its check rather than pass silently
    await ds.query(`INSERT INTO sample_cache (id, value) VALUES (99, 'not in the backup')`);
    await expect(restore.restore(location)).rejects.toThrow(
      /sample_cache does not match the backup after restoring \(4 rows now, 3 in the backup\)/,
    );
    await ds.query(`DELETE FROM sample_cache WHERE id = 99`);
  });

  it('refuses a tampered backup file', async () => {
    const [{ backup_location: location }] = await ds.query(
      `SELECT backup_location FROM rollback_log WHERE backup_location IS NOT NULL ORDER BY id DESC LIMIT 1`,
    );
    const file = join(location, 'sample_cache.jsonl');
    expect(existsSync(file)).toBe(true);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"a"', '"z"'));
    await expect(t.app.get(RestoreService).restore(location)).rejects.toThrow(
      /sample_cache.jsonl does not match its manifest/,
    );
  });

  it('roll forward refuses while a lower phase schema is missing', async () => {
    await ds.query(`DELETE FROM sample_log`);
    await ds.query(`UPDATE api_key SET sample_note = NULL`);
    await t.app.get(FlagsService).setMany(['sample_shadow'], false, change);
    await t.app.get(RollbackService).rollback({ phase: 91, revertSchema: true, reason: 'r', actor: 'test' });
    await expect(t.app.get(RollForwardService).enable(92, {}, change)).rejects.toMatchObject({
      code: 'UNSAFE_REQUEST',
      details: { missing: [91] },
    });
    await t.app.get(RollForwardService).enable(91, {}, change);
    const both = await t.app.get(RollForwardService).enable(92, {}, change);
    expect(both.flagsOn).toEqual(['sample2_enabled']);
    expect(t.app.get(FlagsService).isEnabled('sample_runtime')).toBe(true);
  });
});
