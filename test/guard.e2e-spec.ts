import { DataSource } from 'typeorm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MigrationService } from '../src/database/migration.service.js';
import { BackupService } from '../src/phases/backup/backup.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { tableExists } from './support/rollback-support.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { SAMPLE92_SCHEMA, samplePhases } from './support/test-phases.js';

describe('migration guard (phase down() through the plain migrator)', () => {
  let t: TestApp;
  let ds: DataSource;
  let migrations: MigrationService;

  beforeAll(async () => {
    t = await startTestApp(
      { JOBS_ENABLED: 'false', BACKUP_DIR: mkdtempSync(join(tmpdir(), 'phasegate-guard-')) },
      undefined,
      samplePhases,
    );
    ds = t.app.get(DataSource);
    migrations = t.app.get(MigrationService);
  });
  afterAll(() => t.close());

  it('refuses to drop a non-rebuildable table holding data, naming it, and leaves the schema as it was', async () => {
    await ds.query(`INSERT INTO sample2_data (id, payload) VALUES (1, 'one'), (2, 'two')`);
    await expect(migrations.revertLast()).rejects.toMatchObject({
      code: 'UNSAFE_REQUEST',
      message: expect.stringMatching(
        /Refusing to drop phase 92's schema: sample2_data: holds data and no verified backup covers it/,
      ),
    });
    expect(await tableExists(ds, 'sample2_data')).toBe(true);
    expect(await t.app.get(PhaseRegistry).schemaState(92)).toBe('applied');
  });

  it('refuses a backup that no longer matches the rows, and allows the drop once a verified backup holds exactly them', async () => {
    const backup = await t.app.get(BackupService).backup(SAMPLE92_SCHEMA, 'test');
    expect(backup.items).toEqual([expect.objectContaining({ table: 'sample2_data', rows: 2 })]);
    await ds.query(`INSERT INTO sample2_data (id, payload) VALUES (3, 'added after the backup')`);
    await expect(migrations.revertLast()).rejects.toThrow(
      /sample2_data: holds 3 rows, which differ from its latest verified backup #\d+ \(2 rows\)/,
    );
    await ds.query(`UPDATE sample2_data SET payload = 'changed' WHERE id = 3`);
    await ds.query(`DELETE FROM sample2_data WHERE id = 3`);
    await ds.query(`UPDATE sample2_data SET payload = 'edited' WHERE id = 2`);
    await expect(migrations.revertLast()).rejects.toThrow(/differ from its latest verified backup/);
    await ds.query(`UPDATE sample2_data SET payload = 'two' WHERE id = 2`);
    expect(await migrations.revertLast()).toBe('Phase92Sample1799000100000');
    expect(await tableExists(ds, 'sample2_data')).toBe(false);
    expect(await t.app.get(PhaseRegistry).schemaState(92)).toBe('reverted');
  });

  it('reports each table as empty or not, and drops rebuildable data freely', async () => {
    await ds.query(`INSERT INTO sample_log (note, created_at) VALUES ('kept', '2026-01-01 00:00:00.000')`);
    await ds.query(`INSERT INTO sample_cache (id, value) VALUES (1, 'cached')`);
    await expect(migrations.revertLast()).rejects.toThrow(
      /sample_log: holds data and no verified backup covers it; sample_cache: holds data, rebuildable \(dropped\); api_key.sample_note: empty/,
    );
    await ds.query(`DELETE FROM sample_log`);
    expect(await migrations.revertLast()).toBe('Phase91Sample1799000000000');
    expect(await tableExists(ds, 'sample_cache')).toBe(false);
  });
});
