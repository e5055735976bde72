import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { PHASE_7_SCHEMA } from '../src/assignment/assignment.schema.js';
import { Role } from '../src/common/auth/role.js';
import type { EnvironmentInput } from '../src/config/environment.js';
import { buildLine, newJob, setFlag, tokensOf } from './assignment-fixture.js';
import { assertBuilt, runCli } from './support/processes.js';
import { digest, tableExists } from './support/rollback-support.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The admin CLI against the suite's database: what an operator runs is what is tested. */
describe('Phase 7 through the CLI: comparison on the demo data, rollback and restore', () => {
  let t: TestApp;
  let ds: DataSource;
  let env: EnvironmentInput;
  let backupDir: string;
  const cli = (...args: string[]) => runCli(args, env, 120_000);

  beforeAll(async () => {
    assertBuilt();
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    ds = t.app.get(DataSource);
    backupDir = mkdtempSync(join(tmpdir(), 'phasegate-p7-backup-'));
    env = { ...t.db.env, BACKUP_DIR: backupDir, JOBS_ENABLED: 'false', LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await t.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it('on the demo data, automatic assignment has no violations, fills at least as much and spreads work at least as evenly', async () => {
    const seeded = await cli('seed', '--demo');
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(/Seeded assignment: plans with priorities/);
    for (const code of ['DEMO-J001', 'DEMO-J002', 'DEMO-J003']) {
      const res = await cli('assignment', 'compare', '--job', code, '--json');
      expect(res.code).toBe(0);
      const c = JSON.parse(res.stdout);
      expect(c.tokens).toBeGreaterThan(0);
      expect(c.automatic.violations).toBe(0);
      expect(c.automatic.fillRate).toBeGreaterThanOrEqual(c.manual.fillRate);
      expect(c.automatic.workloadVariance).toBeLessThanOrEqual(c.manual.workloadVariance);
      // the demo's manual plan sends everything to OP-19, who is on leave
      expect(c.manual.violations).toBe(c.tokens);
      expect(c.differing).toBe(c.tokens);
    }
    const job = (await ds.query(`SELECT id FROM job_ticket WHERE code = 'DEMO-J003'`))[0];
    const http = await t.http().get(`/api/v1/assignment/compare?jobId=${job.id}`).set(t.auth(Role.Viewer)).expect(200);
    expect(http.body).toMatchObject({
      jobCode: 'DEMO-J003',
      simulatedSpawn: true,
      tokens: 12,
      automatic: { violations: 0, fillRate: 1 },
    });
    // writes nothing
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM assignment_log`))[0].n)).toBe(0);
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM token WHERE job_id = ?`, [job.id]))[0].n)).toBe(0);

    const table = await cli('assignment', 'compare', '--job', 'DEMO-J003');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^automatic\s+100\.0%\s+12\s+[\d.]+\s+0$/m);
    expect((await cli('assignment', 'compare', '--job', 'NO-SUCH-JOB')).code).toBe(1);
    expect((await cli('assignment', 'compare')).code).toBe(1);
    // seven CLI processes, each booting Nest: on a loaded 2-core host that alone takes over a minute
  }, 240_000);

  it('refuses a schema revert over the audit log without a backup (exit 2); with one, enable and restore bring every row back', async () => {
    await setFlag(t, 'enable_assignment_runtime', true);
    const line = await buildLine(t, 3, { CREW: [1, 2, 3] });
    await t
      .http()
      .put(`/api/v1/assignment/plans/nodes/${line.node.START}`)
      .set(t.auth(Role.Supervisor))
      .send({ entries: [{ teamCode: line.teamCode('CREW'), priority: 1 }] })
      .expect(200);
    const job = await newJob(t, line, 30);
    const assigned = await tokensOf(t, job);
    expect(new Set(assigned.map((x) => x.accountId)).size).toBe(3);
    await t
      .http()
      .post('/api/v1/assignment/leave')
      .set(t.auth(Role.Supervisor))
      .send({ operatorId: line.op(1), startsAt: '2031-01-01T00:00:00Z', endsAt: '2031-01-05T00:00:00Z' })
      .expect(201);

    // schemas come down in stack order: the phases above 7 first (empty here)
    const above = await cli(
      'rollback',
      '--to-phase',
      '8',
      '--revert-schema',
      '--backup',
      '--reason',
      'phase 7 drill: clear the stack',
      '--yes',
    );
    expect(above.code).toBe(0);

    const items = [
      ...PHASE_7_SCHEMA.tables.map((x) => ({ table: x.name, column: undefined as string | undefined })),
      ...PHASE_7_SCHEMA.columns,
    ];
    const digests = async () => Promise.all(items.map((i) => digest(ds, i.table, i.column)));
    const before = await digests();
    expect(before[0]!.rows).toBe(30);
    // the decisions' shared candidate set is backed up, dropped and restored with the log
    expect(before[items.findIndex((i) => i.table === 'assignment_candidate_set')]!.rows).toBe(1);

    const refused = await cli('rollback', '--phase', '7', '--revert-schema', '--reason', 'phase 7 drill', '--yes');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/assignment_log/);
    expect(await digests()).toEqual(before);

    const done = await cli(
      'rollback',
      '--phase',
      '7',
      '--revert-schema',
      '--backup',
      '--reason',
      'phase 7 drill',
      '--yes',
      '--json',
    );
    expect(done.code).toBe(0);
    const record = JSON.parse(done.stdout);
    for (const name of PHASE_7_SCHEMA.tables.map((x) => x.name)) expect(await tableExists(ds, name)).toBe(false);
    // existing assignments stay; the legacy path answers
    expect(await tokensOf(t, job)).toEqual(assigned);
    expect(JSON.stringify(record)).toMatch(/manual assignment active/);

    const enabled = await cli('phases', 'enable', '--phase', '7', '--reason', 'phase 7 drill over');
    expect(enabled.code).toBe(0);
    const location = String(record.backupLocation ?? record.rollback?.backupLocation)
      .split('; ')
      .find((l: string) => l.includes('phase7'));
    const restored = await cli('restore', '--from', location!);
    expect(restored.code).toBe(0);
    expect(await digests()).toEqual(before);
    expect(await tokensOf(t, job)).toEqual(assigned);
  }, 180_000);
});
