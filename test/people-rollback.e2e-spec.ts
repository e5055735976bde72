import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { toDbTime } from '../src/database/dialect.js';
import { MigrationService } from '../src/database/migration.service.js';
import { PEOPLE_JOBS } from '../src/people/people-sync.service.js';
import { PEOPLE_FLAG } from '../src/people/people.schema.js';
import { RestoreService } from '../src/phases/backup/restore.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { NO_FAULTS, startPeopleSim, type PeopleSim } from '../scripts/people-api-sim.js';
import { dataSourceOf, peopleEnv, runSync, snapshot, startPeopleApp } from './support/people.js';
import { tableNames } from './support/db-fingerprint.js';
import { waitFor } from './support/wait.js';
import { assertBuilt, startServer } from './support/processes.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const OPS = PEOPLE_JOBS.operators;
const CACHES = ['people_operator_cache', 'people_team_cache', 'people_availability_cache'];
const KEPT = ['people_masking_policy', 'people_sync_error_log'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('people rollback: mid-sync, the run is waited for and nothing unrebuildable is lost', () => {
  let sim: PeopleSim;
  let t: TestApp;
  let ds: DataSource;
  const backupDir = mkdtempSync(join(tmpdir(), 'people-backup-'));

  /** Starts a slow run and resolves, once it has fetched a page, with its promise (boxed, or awaiting would wait for the run). */
  const slowRun = async () => {
    // five pages of changes at 600 ms each: the rollback lands while they are fetched
    sim.mutate({ change: 240 });
    sim.setFaults({ latencyMs: 600 });
    const run = t.app.get(JobsService).runNow(OPS);
    await waitFor(() => t.app.get(JobsService).isRunning(OPS), 5000);
    await sleep(800);
    return { run };
  };

  beforeAll(async () => {
    sim = await startPeopleSim({ size: 300 });
    t = await startPeopleApp(sim, { BACKUP_DIR: backupDir, PEOPLE_API_PAGE_SIZE: '50' });
    ds = dataSourceOf(t);
    // some records malformed, so the error log has rows to keep
    sim.setFaults({ malformedRate: 0.05 });
    expect((await runSync(t, OPS)).counts!.rejected).toBeGreaterThan(0);
    sim.setFaults(NO_FAULTS);
    expect((await runSync(t, PEOPLE_JOBS.teams)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it('a flag rollback stops the run in flight, waits for it, and the cache is as before the run', async () => {
    const before = await snapshot(ds, 'people_operator_cache');
    const { run } = await slowRun();
    const record = await t.app
      .get(RollbackService)
      .rollback({ phase: 9, reason: 'people mid-sync test', actor: 'test' });
    sim.setFaults(NO_FAULTS);
    expect(record.status).toBe('completed');
    const finished = await run;
    expect(finished).toMatchObject({ status: 'succeeded', counts: { aborted: 1, upserted: 0 } });
    expect(finished.finishedAt!.getTime()).toBeLessThanOrEqual(record.finishedAt!.getTime());
    expect(await snapshot(ds, 'people_operator_cache')).toBe(before);
    expect(t.app.get(FlagsService).isEnabled(PEOPLE_FLAG)).toBe(false);
    expect(await t.app.get(JobsService).isStopped(OPS)).toBe(true);
    expect(await t.app.get(PhaseRegistry).get(9).inFlight()).toEqual({ count: 0, description: 'no sync running' });
    expect(record.steps.find((s) => s.name.includes('verify'))?.detail ?? '').toMatch(/local account table readable/);
  });

  it('a schema revert needs a backup for the policy and the error log only; with one, mid-sync, both survive a restore', async () => {
    const plan = await t.app
      .get(RollbackService)
      .plan({ toPhase: 9, revertSchema: true, reason: 'dry run', actor: 'test' });
    expect(plan.refusals.join(' ')).toMatch(/people_masking_policy/);
    expect(plan.refusals.join(' ')).toMatch(/people_sync_error_log/);
    for (const cache of CACHES) expect(plan.refusals.join(' ')).not.toMatch(cache);

    const [{ n: cachedBefore }] = await ds.query(`SELECT COUNT(*) AS n FROM people_operator_cache`);
    const kept = Object.fromEntries(await Promise.all(KEPT.map(async (table) => [table, await snapshot(ds, table)])));
    const { run } = await slowRun();
    const record = await t.app
      .get(RollbackService)
      .rollback({ toPhase: 9, revertSchema: true, backup: true, reason: 'people revert test', actor: 'test' });
    sim.setFaults(NO_FAULTS);
    expect(record.status).toBe('completed');
    expect((await run).finishedAt!.getTime()).toBeLessThanOrEqual(record.finishedAt!.getTime());
    const tables = await tableNames(ds);
    for (const table of [...CACHES, ...KEPT]) expect(tables).not.toContain(table);

    await t.app.get(MigrationService).run({ includePhases: [9] });
    // schemas come down in stack order, so Phase 10's came down first and has its own backup
    await t.app.get(RestoreService).restore(record.backupLocation!.split('; ').find((l) => l.endsWith('phase9'))!);
    for (const table of KEPT) expect(await snapshot(ds, table)).toBe(kept[table]);

    // and syncing goes on from there
    await t.app.get(JobsService).resume(OPS, { actor: 'test', reason: 'roll forward' });
    await t.app.get(FlagsService).set(PEOPLE_FLAG, true, { actor: 'test', reason: 'roll forward' });
    expect(await runSync(t, OPS)).toMatchObject({ status: 'succeeded', counts: { rejected: 0 } });
    const [{ n }] = await ds.query(`SELECT COUNT(*) AS n FROM people_operator_cache WHERE expires_at > ?`, [
      toDbTime(new Date()),
    ]);
    expect(Number(n)).toBe(Number(cachedBefore));
  });
});

describe('people sync on two app processes', () => {
  it('runs each scheduled tick once across both', async () => {
    assertBuilt();
    const sim = await startPeopleSim({ size: 200 });
    const setup = await startTestApp(peopleEnv(sim));
    const env = {
      ...setup.db.env,
      ...peopleEnv(sim),
      JOBS_ENABLED: 'true',
      FLAG_REFRESH_MS: '200',
      PEOPLE_SYNC_OPERATORS_CRON: '*/2 * * * * *',
      PEOPLE_SYNC_TEAMS_CRON: '0 0 0 1 1 *',
      PEOPLE_SYNC_AVAILABILITY_CRON: '0 0 0 1 1 *',
    };
    const servers = await Promise.all([startServer(env), startServer(env)]);
    try {
      await setup.app.get(FlagsService).set(PEOPLE_FLAG, true, { actor: 'test', reason: 'two replicas' });
      await sleep(7000);
      await setup.app.get(FlagsService).set(PEOPLE_FLAG, false, { actor: 'test', reason: 'done' });
      await sleep(500);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    try {
      const runs: Array<{ started_at: string | Date; finished_at: string | Date; owner: string; status: string }> =
        await dataSourceOf(setup).query(
          `SELECT started_at, finished_at, owner, status FROM job_run WHERE job_name = ? ORDER BY started_at`,
          [OPS],
        );
      const time = (v: string | Date) => (v instanceof Date ? v : new Date(v.replace(' ', 'T') + 'Z')).getTime();
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
      const ticks = runs.map((r) => Math.floor(time(r.started_at) / 2000));
      expect(new Set(ticks).size).toBe(runs.length);
      for (let k = 1; k < runs.length; k++)
        expect(time(runs[k].started_at)).toBeGreaterThanOrEqual(time(runs[k - 1].finished_at));
      const [{ n }] = await dataSourceOf(setup).query(`SELECT COUNT(*) AS n FROM people_operator_cache`);
      expect(Number(n)).toBe(200);
    } finally {
      await setup.close();
      await sim.close();
    }
  }, 60_000);
});
