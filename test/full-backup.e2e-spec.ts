import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { FullBackupService } from '../src/phases/backup/full-backup.service.js';
import { RollForwardService } from '../src/phases/rollback/roll-forward.service.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import { fingerprint, tableNames } from './support/db-fingerprint.js';
import { runCli } from './support/processes.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { TestDatabase, testDbKind, withDataSource } from './support/test-database.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('full-database backup and restore', () => {
  let t: TestApp;
  let ds: DataSource;
  let full: FullBackupService;
  const backupDir = join(mkdtempSync(join(tmpdir(), 'phasegate-full-')), 'backups');
  const scratchDir = mkdtempSync(join(tmpdir(), 'phasegate-scratch-'));
  const env = () => ({ ...t.db.env, BACKUP_DIR: backupDir });
  const change = { actor: 'test', reason: 'full backup suite' };

  /** A scratch database beside the live one: an SQLite file, or a database on the same MariaDB server. */
  function scratch(name: string): { target: string; db: TestDatabase } {
    if (t.db.kind === 'sqlite') {
      const target = join(scratchDir, `${name}.sqlite`);
      return { target, db: { kind: 'sqlite', env: { DB_TYPE: 'sqlite', DB_PATH: target }, drop: async () => {} } };
    }
    const url = new URL(String(t.db.env.DB_URL));
    const target = `${url.pathname.slice(1)}_${name}`;
    url.pathname = `/${target}`;
    return {
      target,
      db: {
        kind: 'mysql',
        env: { DB_TYPE: 'mysql', DB_URL: url.toString() },
        drop: () => ds.query(`DROP DATABASE IF EXISTS ${target}`),
      },
    };
  }

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: backupDir });
    ds = t.app.get(DataSource);
    full = t.app.get(FullBackupService);
    await t.app.get(DemoSeedService).seed();
    for (const on of [true, false, true]) await t.app.get(FlagsService).set('enable_production_dashboard', on, change);
  });
  afterAll(() => t.close());

  it('backup --full writes an owner-only folder with the file and its sha256 manifest, and records it', async () => {
    const result = await runCli(['backup', '--full', '--reason', 'suite', '--json'], env(), 120_000);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const { backup } = JSON.parse(result.stdout);
    const folder = dirname(backup.location);
    expect(backup.location).toMatch(t.db.kind === 'sqlite' ? /-full\/database\.sqlite$/ : /-full\/database\.sql$/);
    expect(mode(backupDir)).toBe(0o700);
    expect(mode(folder)).toBe(0o700);
    expect(readdirSync(folder).sort()).toEqual([
      t.db.kind === 'sqlite' ? 'database.sqlite' : 'database.sql',
      'manifest.json',
    ]);
    for (const file of readdirSync(folder)) expect(mode(join(folder, file))).toBe(0o600);
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'phasegate-full-backup/1',
      dialect: t.db.kind,
      sha256: sha256(backup.location),
      bytes: statSync(backup.location).size,
      reason: 'suite',
    });
    const [row] = await ds.query(
      `SELECT location, dialect, sha256, reason, verified_at FROM full_backup WHERE id = ?`,
      [backup.id],
    );
    expect(row).toMatchObject({
      location: backup.location,
      dialect: t.db.kind,
      sha256: manifest.sha256,
      reason: 'suite',
    });
    expect(row.verified_at).not.toBeNull();
    if (t.db.kind === 'mysql') expect(readFileSync(backup.location, 'utf8')).toMatch(/-- Dump completed/);
  });

  it('restores into a scratch database with identical checksums of every table', async () => {
    const before = await fingerprint(ds);
    expect(Object.keys(before).length).toBeGreaterThan(20);
    const backup = await full.take({ actor: 'test', reason: 'scratch copy' });
    const copy = scratch('copy');
    try {
      const restored = await full.restoreInto(backup.location, copy.target);
      expect(restored).toMatchObject({ target: copy.target, sha256: backup.sha256 });
      await withDataSource(copy.db, async (scratchDs) => {
        expect(await tableNames(scratchDs)).toEqual(await tableNames(ds));
        expect(await fingerprint(scratchDs)).toEqual(before);
      });
      // a second load replaces the first: a table made since is gone, the rows are the backup's
      await withDataSource(copy.db, (scratchDs) =>
        scratchDs.query(`CREATE TABLE stray_table (id INTEGER PRIMARY KEY)`),
      );
      await full.restoreInto(backup.location, copy.target);
      await withDataSource(copy.db, async (scratchDs) => expect(await fingerprint(scratchDs)).toEqual(before));
    } finally {
      await copy.db.drop();
    }
  });

  it('the dry run shows the latest verified full backup and its age, in the API and the CLI', async () => {
    const latest = (await full.latestVerified())!;
    const res = await t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(t.auth(Role.Admin))
      .send({ phase: 10, dryRun: true, reason: 'dry run' })
      .expect(200);
    expect(res.body).toMatchObject({
      fullBackup: false,
      lastFullBackup: { id: latest.id, location: latest.location, sha256: latest.sha256 },
    });
    expect(res.body.lastFullBackup.ageSeconds).toBeGreaterThanOrEqual(0);
    const cli = await runCli(['rollback', '--phase', '10', '--dry-run', '--reason', 'dry run'], env(), 120_000);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/Last full backup: \d+ (s|min)\b.* ago \(.*\), .*-full\/database\.sql/);
  });

  it('rollback --full-backup takes a full backup before its first step', async () => {
    const res = await t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(t.auth(Role.Admin))
      .send({ phase: 10, fullBackup: true, reason: 'with a full backup' })
      .expect(201);
    expect(res.body.status).toBe('completed');
    const latest = (await full.latestVerified())!;
    expect(latest.reason).toBe('before rollback: with a full backup');
    expect(latest.createdAt.getTime()).toBeLessThanOrEqual(new Date(res.body.startedAt).getTime());
    await t.app.get(RollForwardService).enable(10, {}, change);
  });

  it('phase backups are owner-only as well', async () => {
    const res = await t
      .http()
      .post('/api/v1/admin/rollbacks')
      .set(t.auth(Role.Admin))
      .send({ phase: 10, revertSchema: true, backup: true, reason: 'phase backup modes' })
      .expect(201);
    const location = res.body.backupLocation as string;
    expect(mode(location)).toBe(0o700);
    expect(readdirSync(location).length).toBeGreaterThan(1);
    for (const file of readdirSync(location)) expect(mode(join(location, file))).toBe(0o600);
    await t.app.get(RollForwardService).enable(10, {}, change);
  });

  it('refuses a tampered backup, and a scratch target that is the live database', async () => {
    const backup = await full.take({ actor: 'test' });
    const live = t.db.kind === 'sqlite' ? String(t.db.env.DB_PATH) : new URL(String(t.db.env.DB_URL)).pathname.slice(1);
    await expect(full.restoreInto(backup.location, live)).rejects.toMatchObject({ code: 'UNSAFE_REQUEST' });
    writeFileSync(backup.location, Buffer.concat([readFileSync(backup.location), Buffer.from('\n')]));
    await expect(full.verify(backup.location)).rejects.toMatchObject({ code: 'CONFLICT' });
    const cli = await runCli(
      ['restore', '--full', '--from', backup.location, '--into', scratch('tampered').target, '--json'],
      env(),
    );
    expect(cli.code).toBe(2);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, code: 'CONFLICT' });
  });

  (testDbKind() === 'mysql' ? it : it.skip)('names the missing dump tool, and changes nothing', async () => {
    const latest = (await full.latestVerified())!;
    const result = await runCli(['backup', '--full'], { ...env(), PATH: '/nonexistent' }, 120_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Full backup failed: none of mariadb-dump, mysqldump is on PATH .*; nothing was changed/,
    );
    expect((await full.latestVerified())!.id).toBe(latest.id);
  });

  it('restore --full brings the whole live database back', async () => {
    const before = await fingerprint(ds);
    const backup = await full.take({ actor: 'test', reason: 'before damage' });
    await ds.query(`DELETE FROM feature_flag_audit`);
    await ds.query(`UPDATE api_key SET name = 'renamed'`);
    await ds.query(`CREATE TABLE stray_table (id INTEGER PRIMARY KEY)`);
    expect(await fingerprint(ds)).not.toEqual(before);
    await full.restore(backup.location);
    expect(await fingerprint(ds)).toEqual(before);
  });

  (testDbKind() === 'sqlite' ? it : it.skip)(
    'on SQLite, restore --full refuses while another process (the running server) has the database open',
    async () => {
      const backup = await full.take({ actor: 'test' });
      // this test process is the server the CLI finds
      const refused = await runCli(['restore', '--full', '--from', backup.location, '--yes'], env(), 120_000);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        new RegExp(`is open in process .*\\b${process.pid}\\b.*: stop the server before restore --full`),
      );
      const holder = spawn(process.execPath, [
        '-e',
        `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}); new D(${JSON.stringify(t.db.env.DB_PATH)}); process.stdout.write('open'); setTimeout(() => {}, 60000);`,
      ]);
      try {
        await new Promise((resolve) => holder.stdout.once('data', resolve));
        await expect(full.restore(backup.location)).rejects.toMatchObject({
          code: 'UNSAFE_REQUEST',
          details: { pids: [holder.pid] },
        });
      } finally {
        holder.kill();
      }
    },
  );
});
