import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { BackupService } from '../src/phases/backup/backup.service.js';
import { RestoreService } from '../src/phases/backup/restore.service.js';
import { describeRowSet, rowLine } from '../src/phases/backup/row-stream.js';
import type { BackupItem } from '../src/phases/backup/schema-backup.entity.js';
import { digest, fillSampleLog } from './support/rollback-support.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { SAMPLE91_SCHEMA, samplePhases } from './support/test-phases.js';

interface Manifest {
  phase: number;
  items: BackupItem[];
}

/** A hand-edited manifest: restore must trust nothing in it beyond the values of owned rows. */
describe('restore refuses what a manifest must not decide', () => {
  let t: TestApp;
  let ds: DataSource;
  let restore: RestoreService;
  let original: string;
  const root = mkdtempSync(join(tmpdir(), 'phasegate-manifest-'));
  let copies = 0;

  /** A copy of the backup folder with its manifest (and files) edited by `edit`. */
  function tampered(edit: (manifest: Manifest, dir: string) => void): string {
    const dir = join(root, `copy-${++copies}`);
    cpSync(original, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    edit(manifest, dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    return dir;
  }

  /** Writes `text` as a backup file and returns the manifest fields that describe it. */
  function file(path: string, text: string) {
    writeFileSync(path, text);
    return {
      rows: text.split('\n').length - 1,
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    };
  }

  const state = async () => ({
    log: await digest(ds, 'sample_log'),
    cache: await digest(ds, 'sample_cache'),
    note: await digest(ds, 'api_key', 'sample_note'),
    keys: await digest(ds, 'api_key'),
  });

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: join(root, 'backups') }, undefined, samplePhases);
    ds = t.app.get(DataSource);
    restore = t.app.get(RestoreService);
    await fillSampleLog(ds, 500);
    await ds.query(`INSERT INTO sample_cache (id, value) VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    await ds.query(`UPDATE api_key SET sample_note = 'note'`);
    original = (await t.app.get(BackupService).backup(SAMPLE91_SCHEMA, 'test')).location;
    // the untouched backup restores: what the refusals below refuse is the editing alone
    await restore.restore(original);
  });
  afterAll(() => t.close());

  it('refuses a planted api_key row (an admin key) and a column the phase does not own', async () => {
    const qr = ds.createQueryRunner();
    const keys = (await describeRowSet(qr, 'api_key'))!;
    await qr.release();
    const [admin] = await ds.query(`SELECT * FROM api_key WHERE role = 'admin' ORDER BY id LIMIT 1`);
    const planted = rowLine({ ...admin, id: 99_999, name: 'planted' }, keys.columns);
    const before = await state();
    const withRow = tampered((m, dir) =>
      m.items.push({
        table: 'api_key',
        key: keys.key,
        columns: keys.columns,
        file: 'api_key.jsonl',
        ...file(join(dir, 'api_key.jsonl'), planted),
      }),
    );
    await expect(restore.restore(withRow)).rejects.toMatchObject({
      code: 'UNSAFE_REQUEST',
      message: expect.stringMatching(/Backup manifest refused: api_key is not owned by phase 91; nothing was restored/),
    });
    const withColumn = tampered((m, dir) =>
      m.items.push({
        table: 'api_key',
        column: 'role',
        key: ['id'],
        columns: ['id', 'role'],
        file: 'api_key.role.jsonl',
        ...file(join(dir, 'api_key.role.jsonl'), JSON.stringify({ id: 1, role: 'admin' }) + '\n'),
      }),
    );
    await expect(restore.restore(withColumn)).rejects.toThrow(/api_key\.role is not owned by phase 91/);
    expect(await ds.query(`SELECT id FROM api_key WHERE name = 'planted'`)).toEqual([]);
    expect(await state()).toEqual(before);
  });

  it('refuses file names that leave the backup folder', async () => {
    const before = await state();
    const cacheText = readFileSync(join(original, 'sample_cache.jsonl'), 'utf8');
    const outside = join(root, 'outside.jsonl');
    file(outside, cacheText.replace('"a"', '"from outside"'));
    for (const name of ['../outside.jsonl', outside, 'sub/sample_cache.jsonl', '..']) {
      const dir = tampered((m) => {
        const item = m.items.find((i) => i.table === 'sample_cache')!;
        Object.assign(item, { file: name }, name === '..' ? {} : file(outside, readFileSync(outside, 'utf8')));
      });
      await expect(restore.restore(dir)).rejects.toMatchObject({
        code: 'UNSAFE_REQUEST',
        message: expect.stringContaining(
          `file ${JSON.stringify(name)} is not a plain file name inside the backup folder`,
        ),
      });
    }
    expect(await state()).toEqual(before);
  });

  it('takes column names from the live schema: a bogus column in the manifest is refused', async () => {
    const before = await state();
    const bogus = 'value` = 1; DROP TABLE sample_log; --';
    const dir = tampered((m) => m.items.find((i) => i.table === 'sample_cache')!.columns.push(bogus, 'no_such_column'));
    await expect(restore.restore(dir)).rejects.toMatchObject({
      code: 'UNSAFE_REQUEST',
      message: expect.stringContaining(`columns sample_cache does not have: ${bogus}, no_such_column`),
    });
    expect(await state()).toEqual(before);
  });

  it('runs in one transaction: a failing final check leaves every table exactly as before', async () => {
    // sample_log is restored first and checks out; sample_cache then fails its check
    await ds.query(`DELETE FROM sample_log WHERE id % 2 = 0`);
    await ds.query(`UPDATE sample_cache SET value = 'changed' WHERE id = 2`);
    await ds.query(`INSERT INTO sample_cache (id, value) VALUES (99, 'not in the backup')`);
    await ds.query(`UPDATE api_key SET sample_note = NULL`);
    const before = await state();
    expect(before.log!.rows).toBe(250);
    await expect(restore.restore(original)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/sample_cache does not match the backup after restoring .*nothing was restored/),
    });
    expect(await state()).toEqual(before);
    await ds.query(`DELETE FROM sample_cache WHERE id = 99`);
    await restore.restore(original);
    expect((await digest(ds, 'sample_log'))!.rows).toBe(500);
  });
});
