import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import type { EnvironmentInput } from '../src/config/environment.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import { fingerprint } from './support/db-fingerprint.js';
import { drillSeededPhase } from './support/drill-seeded-phase.js';
import { assertBuilt, runCli } from './support/processes.js';
import { startTestApp, TestApp } from './support/test-app.js';

const REVERSIBLE = ['backup', 'revert-schema', 'enable', 'restore'];

/**
 * `rollback drill`: the whole runbook rehearsed on a scratch copy made from a full backup,
 * timed and checksummed, the copy dropped, the live database left as it was.
 */
describe('rollback drill (a rehearsal on a scratch copy)', () => {
  let t: TestApp;
  let ds: DataSource;
  let env: EnvironmentInput;
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-drill-'));
  const json = (stdout: string) => JSON.parse(stdout.slice(stdout.search(/^\{/m)));
  // @nestjs/typeorm keeps one process-wide set of data source names and warns when a second
  // application in the process (the one on the copy) registers the same name; TypeORM 1.x has
  // no global registry that one could override, so the warning is all there is to it
  const problems = (stderr: string) =>
    stderr
      .split('\n')
      .filter((line) => line && !line.includes('A data source with the default name is already registered'));

  /** Scratch copies still there: drill folders (SQLite) or databases beside the live one (MariaDB). */
  const copiesLeft = async (app: TestApp, dir: string): Promise<string[]> => {
    if (app.db.kind === 'sqlite') return readdirSync(dir).filter((name) => name.endsWith('-drill'));
    const source = app.app.get(DataSource);
    const rows: Array<Record<string, string>> = await source.query(`SHOW DATABASES LIKE ?`, [
      `${String(source.options.database).replace(/_/g, '\\_')}\\_drill\\_%`,
    ]);
    return rows.map((r) => Object.values(r)[0]);
  };

  beforeAll(async () => {
    assertBuilt();
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: backupDir });
    ds = t.app.get(DataSource);
    await t.app.get(DemoSeedService).seed();
    env = { ...t.db.env, BACKUP_DIR: backupDir, JOBS_ENABLED: 'false', LOG_LEVEL: 'warn' };
  }, 180_000);
  afterAll(() => t.close());

  it('rolls every phase back on the copy, enables and restores each, with identical checksums; the live database gains only the report and its full backup', async () => {
    // the drill's own report, and the full backup it copies from (a real one, recorded like any other)
    const before = await fingerprint(ds, ['rollback_drill', 'full_backup']);
    const fullBackups = (await ds.query(`SELECT id FROM full_backup`)).length;

    const run = await runCli(['rollback', 'drill', '--to-phase', '7', '--json'], env, 600_000);
    expect({ code: run.code, stderr: problems(run.stderr) }).toEqual({ code: 0, stderr: [] });
    const { ok, drill } = json(run.stdout);
    expect(ok).toBe(true);
    expect(drill).toMatchObject({ status: 'passed', toPhase: 7, phases: [10, 9, 8, 7], error: null });
    for (const phase of [7, 8, 9, 10]) {
      const steps = drill.steps.filter((s: { phase: number; name: string }) => s.phase === phase);
      expect(
        steps.filter((s: { name: string }) => REVERSIBLE.includes(s.name)).map((s: any) => `${s.name}:${s.status}`),
      ).toEqual(REVERSIBLE.map((name) => `${name}:done`));
    }
    expect(drill.steps.at(-1)).toMatchObject({ name: 'drop-copy', status: 'done' });
    expect(drill.phaseDurations.map((p: { phase: number }) => p.phase)).toEqual([10, 9, 8, 7]);
    // every owned table and column of the four phases, the demo's rows among them
    expect(drill.checksums.length).toBeGreaterThanOrEqual(16);
    expect(drill.checksums.filter((c: { ok: boolean }) => !c.ok)).toEqual([]);
    expect(drill.checksums.some((c: { rows: number }) => c.rows > 0)).toBe(true);

    expect(await fingerprint(ds, ['rollback_drill', 'full_backup'])).toEqual(before);
    expect(await ds.query(`SELECT id, status FROM rollback_drill`)).toEqual([{ id: drill.id, status: 'passed' }]);
    const full: Array<{ reason: string }> = await ds.query(`SELECT reason FROM full_backup ORDER BY id`);
    expect(full.map((f) => f.reason)).toEqual([
      ...Array(fullBackups).fill(expect.anything()),
      `rollback drill #${drill.id}`,
    ]);
    expect(await copiesLeft(t, backupDir)).toEqual([]);

    const admin = t.auth(Role.Admin);
    const listed = await t.http().get('/api/v1/admin/rollbacks/drills').set(admin).expect(200);
    expect(listed.body.map((d: { id: number }) => d.id)).toEqual([drill.id]);
    const one = await t.http().get(`/api/v1/admin/rollbacks/drills/${drill.id}`).set(admin).expect(200);
    expect(one.body).toMatchObject({ id: drill.id, status: 'passed', checksums: drill.checksums, steps: drill.steps });
    await t.http().get('/api/v1/admin/rollbacks/drills/999999').set(admin).expect(404);
    await t.http().get('/api/v1/admin/rollbacks/drills').set(t.auth(Role.Operator)).expect(403);
  }, 600_000);

  it('prints each step, the time per phase and the outcome; refuses a phase that does not exist', async () => {
    const run = await runCli(['rollback', 'drill'], env, 600_000);
    expect({ code: run.code, stderr: problems(run.stderr) }).toEqual({ code: 0, stderr: [] });
    expect(run.stdout).toMatch(/phase 7 +restore +done/);
    expect(run.stdout).toMatch(
      /Per phase \(ms\):\nphase +flags\+jobs +backup +revert-schema +enable +restore +total\n10 /,
    );
    expect(run.stdout).toMatch(/Checksums: (\d+) of \1 tables and columns match/);
    expect(run.stdout).toMatch(
      /Drill #\d+ passed in \d+ ms on (SQLite file|MariaDB database) .*\(phases 10, 9, 8, 7\)/,
    );
    // the measured figures the runbook quotes
    process.stderr.write(`rollback drill on the demo data (${t.db.kind}):\n${run.stdout}\n`);

    const unknown = await runCli(['rollback', 'drill', '--to-phase', '5'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Phase 5 not found/);
    expect(await copiesLeft(t, backupDir)).toEqual([]);
  }, 600_000);

  it('reports a restore that does not match, still drops the copy, and sends no rollback notice', async () => {
    const notices: string[] = [];
    const receiver = createServer((req, res) => {
      notices.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-drill-seeded-'));
    const other = await startTestApp(
      {
        JOBS_ENABLED: 'false',
        BACKUP_DIR: dir,
        ROLLBACK_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      },
      undefined,
      drillSeededPhase,
    );
    try {
      const source = other.app.get(DataSource);
      // the operator replaced the row the phase's migration seeds: re-enabling the phase seeds it again
      await source.query(`DELETE FROM drill_seeded`);
      await source.query(`INSERT INTO drill_seeded (id, label) VALUES (2, 'mine')`);
      const admin = other.auth(Role.Admin);
      await other.http().post('/api/v1/admin/rollbacks/drills').set(admin).send({ toPhase: 'x' }).expect(400);
      await other.http().post('/api/v1/admin/rollbacks/drills').set(admin).send({ toPhase: 5 }).expect(404);

      const res = await other
        .http()
        .post('/api/v1/admin/rollbacks/drills')
        .set(admin)
        .send({ toPhase: 93 })
        .expect(201);
      expect(res.body).toMatchObject({ status: 'failed', toPhase: 93, phases: [93] });
      const step = (name: string) =>
        res.body.steps.find((s: { phase: number; name: string }) => s.name === name && s.phase === 93);
      expect(step('revert-schema')).toMatchObject({ status: 'done' });
      expect(step('enable')).toMatchObject({ status: 'done' });
      expect(step('restore')).toMatchObject({ status: 'failed' });
      expect(step('restore').detail).toMatch(
        /drill_seeded does not match the backup after restoring \(2 rows now, 1 in the backup\)/,
      );
      expect(res.body.checksums).toEqual([
        // the restore is all or nothing: the copy is left with the migration's seeded row, not the operator's
        expect.objectContaining({ phase: 93, table: 'drill_seeded', rows: 1, actualRows: 1, ok: false }),
      ]);
      expect(res.body.checksums[0].actual).not.toBe(res.body.checksums[0].expected);
      expect(res.body.steps.at(-1)).toMatchObject({ name: 'drop-copy', status: 'done' });
      expect(await copiesLeft(other, dir)).toEqual([]);
      expect(await source.query(`SELECT id, label FROM drill_seeded`)).toEqual([{ id: 2, label: 'mine' }]);
      expect(notices).toEqual([]);
    } finally {
      await other.close();
      receiver.close();
    }
  }, 600_000);
});
