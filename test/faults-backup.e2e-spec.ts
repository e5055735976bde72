import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { digest, tableExists } from './support/rollback-support.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { samplePhases } from './support/test-phases.js';

const ROWS = 30_000;
const PAYLOAD = 'x'.repeat(90);

/**
 * Tests run as root, so file modes stop nothing: a read-only file system (EROFS) and a small
 * one (ENOSPC) are real tmpfs mounts. Mounting needs CAP_SYS_ADMIN; without it the suite
 * skips and says so (test/backup.e2e-spec.ts covers the unprivileged ENOTDIR case).
 */
function mountTmpfs(dir: string, options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
}

function canMount(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'phasegate-mount-probe-'));
  try {
    mountTmpfs(dir, 'size=64k');
    execFileSync('umount', [dir]);
    return null;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error)
      .trim()
      .split('\n')[0];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cannotMount = canMount();

(cannotMount ? describe.skip : describe)(
  `faults: the backup directory unwritable or full during a rollback${cannotMount ? ` (skipped: cannot mount a tmpfs here: ${cannotMount})` : ''}`,
  () => {
    let t: TestApp;
    let ds: DataSource;
    const mounts: string[] = [];

    beforeAll(async () => {
      t = await startTestApp({ JOBS_ENABLED: 'false' }, undefined, samplePhases);
      ds = t.app.get(DataSource);
      for (let start = 0; start < ROWS; start += 1000) {
        const ids = Array.from({ length: 1000 }, (_, i) => start + i + 1);
        await ds.query(
          `INSERT INTO sample2_data (id, payload) VALUES ${ids.map(() => '(?, ?)').join(', ')}`,
          ids.flatMap((id) => [id, `${id} ${PAYLOAD}`]),
        );
      }
    }, 120_000);

    afterAll(async () => {
      for (const dir of mounts) execFileSync('umount', [dir]);
      for (const dir of mounts) rmSync(dir, { recursive: true, force: true });
      await t?.close();
    });

    /** A replica whose BACKUP_DIR is a `backups` directory on a fresh tmpfs mounted with `options`. */
    async function replicaBackingUpTo(
      options: string,
      prepare?: (mount: string) => void,
    ): Promise<{ other: TestApp; mount: string }> {
      const mount = mkdtempSync(join(tmpdir(), 'phasegate-backup-mount-'));
      mountTmpfs(mount, options);
      mounts.push(mount);
      prepare?.(mount);
      const other = await startTestApp(
        { JOBS_ENABLED: 'false', MIGRATE_ON_START: 'false', BACKUP_DIR: join(mount, 'backups') },
        t.db,
        samplePhases,
      );
      return { other, mount };
    }

    const rollBack92 = (other: TestApp) =>
      other
        .http()
        .post('/api/v1/admin/rollbacks')
        .set(other.auth(Role.Admin))
        .send({ phase: 92, revertSchema: true, backup: true, reason: 'disk fault test' });

    it('read-only file system: refused before any step, saying why', async () => {
      const before = await digest(ds, 'sample2_data');
      // the backup directory exists and its disk went read-only, as ext4's errors=remount-ro does
      const { other } = await replicaBackingUpTo('size=4m', (m) => {
        mkdirSync(join(m, 'backups'));
        execFileSync('mount', ['-o', 'remount,ro', m]);
      });
      try {
        const res = await rollBack92(other);
        expect(res.status).toBe(409);
        expect(res.body.message).toMatch(
          /Backup directory .* cannot take the backup \(EROFS: the file system is read-only\); nothing was dropped/,
        );
      } finally {
        await other.close();
      }
      expect(await digest(ds, 'sample2_data')).toEqual(before);
    });

    it('a nearly full file system: refused before any step, saying why', async () => {
      const before = await digest(ds, 'sample2_data');
      const { other } = await replicaBackingUpTo('size=512k');
      try {
        const res = await rollBack92(other);
        expect(res.status).toBe(409);
        expect(res.body.message).toMatch(
          /Backup directory .* cannot take the backup \(ENOSPC: the disk is full\); nothing was dropped/,
        );
      } finally {
        await other.close();
      }
      expect(await digest(ds, 'sample2_data')).toEqual(before);
    });

    it('the disk filling up during the backup: the rollback stops at the backup step, drops nothing and leaves no partial backup', async () => {
      const before = await digest(ds, 'sample2_data');
      expect(before!.rows).toBe(ROWS);
      // 2 MB passes the free-space check; the ~3.5 MB backup does not fit
      const { other, mount } = await replicaBackingUpTo('size=2m', (m) => mkdirSync(join(m, 'backups')));
      try {
        const res = await rollBack92(other);
        const steps = (res.body.steps ?? []).map((s: { name: string; status: string }) => `${s.name}:${s.status}`);
        expect({ status: res.status, rollback: res.body.status }).toEqual({ status: 201, rollback: 'failed' });
        expect(steps).toEqual([
          'disable-flags:done',
          'stop-jobs:skipped',
          'backup:failed',
          'revert-schema:pending',
          'verify-legacy:pending',
          'log:done',
        ]);
        expect(res.body.issues.join('\n')).toMatch(
          /phase 92 backup: Backup directory .* cannot take the backup \(ENOSPC: the disk is full\); nothing was dropped/,
        );
        expect(readdirSync(join(mount, 'backups'))).toEqual([]);
      } finally {
        await other.close();
      }
      expect(await tableExists(ds, 'sample2_data')).toBe(true);
      expect(await digest(ds, 'sample2_data')).toEqual(before);
    });
  },
);
