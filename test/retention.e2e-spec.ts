import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type EntityManager } from 'typeorm';
import type { RetentionPolicy } from '../src/common/retention/retention-policy.js';
import { Role } from '../src/common/auth/role.js';
import { DashboardRefreshService } from '../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../src/dashboard/dashboard.schema.js';
import { fromDbTime, toDbTime } from '../src/database/dialect.js';
import { verifyFile } from '../src/phases/backup/jsonl-file.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import type { ArchiveManifest } from '../src/phases/retention/retention-archive.js';
import { RetentionHorizonRepository } from '../src/phases/retention/retention-horizon.repository.js';
import { RetentionRepository } from '../src/phases/retention/retention.repository.js';
import { RETENTION_JOB, RetentionService } from '../src/phases/retention/retention.service.js';
import { seededRandom as random } from '../scripts/seeded-random.js';
import { seedWorld, walkTokens, writeEvents, type World } from './support/dashboard-factory.js';
import { buildPhasesCli, runPhasesCli } from './support/phases-cli-build.js';
import { startTestApp, TestApp } from './support/test-app.js';

const DAY = 86_400_000;
const BATCH = 7;

describe('retention: archive, then purge in batches', () => {
  let t: TestApp;
  let ds: DataSource;
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-retention-'));
  const now = Date.now();
  const old = toDbTime(new Date(now - 40 * DAY));
  const ancient = toDbTime(new Date(now - 100 * DAY));
  const recent = toDbTime(new Date(now - DAY / 2));
  let finished: number[];
  let open: number[];
  let world: World;
  const env = {
    JOBS_ENABLED: 'false',
    // no path telemetry: its buckets, written on each replica's timer, would move the counts compared here
    TELEMETRY_FLUSH_MS: '0',
    BACKUP_DIR: backupDir,
    RETENTION_DAYS: 'token_event=2,assignment_log=2,scan_record=off',
    RETENTION_BATCH_ROWS: String(BATCH),
  };

  const ids = async (table: string, key = 'id'): Promise<string[]> =>
    (await ds.query<Array<{ k: unknown }>>(`SELECT ${key} AS k FROM ${table} ORDER BY ${key}`)).map((r) => String(r.k));
  const count = async (table: string) => (await ids(table)).length;
  const log = (tokenId: number, set: string, at: string) =>
    ds.query(
      `INSERT INTO assignment_log (token_id, job_id, node_id, account_id, team_id, method, reason, candidates, candidate_set, directory, decided_at, duration_us) VALUES (?, 1, 1, NULL, NULL, 'auto', NULL, ?, ?, 'local', ?, 10)`,
      [tokenId, `{"set":"${set}","ranked":[[0,1,null]]}`, set, at],
    );
  const dashboard = async () => {
    const get = (path: string) => t.http().get(`/api/v1/dashboard/${path}`).set(t.auth(Role.Viewer));
    const from = new Date(now - 30 * DAY).toISOString();
    const day = new Date(now - 300 * DAY).toISOString().slice(0, 10);
    return {
      flow: (await get(`token-flow?from=${from}`).expect(200)).body.data,
      cycles: (await get(`cycle-times?from=${day}`).expect(200)).body.data,
    };
  };

  const cli = (...args: string[]) =>
    runPhasesCli(args, { ...t.db.env, ...env, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' });
  const json = (stdout: string) => JSON.parse(stdout.slice(stdout.search(/^(\{|\[(?!Nest))/m)));

  beforeAll(async () => {
    await buildPhasesCli();
    t = await startTestApp(env);
    ds = t.app.get(DataSource);
    const rnd = random(2112);
    world = await seedWorld(ds, rnd, 'ret');
    const fiveDaysAgo = now - 5 * DAY;
    await writeEvents(ds, walkTokens(world, rnd, 60, fiveDaysAgo, 'ret'), () => fiveDaysAgo);
    const tokens = await ds.query<Array<{ id: number | string; status: string }>>(
      `SELECT id, status FROM token ORDER BY id`,
    );
    finished = tokens.filter((r) => ['done', 'scrapped'].includes(r.status)).map((r) => Number(r.id));
    open = tokens.filter((r) => !['done', 'scrapped'].includes(r.status)).map((r) => Number(r.id));
    // a token finished an hour ago: its history, however old, stays whole until the token is as old as the cutoff
    await ds.query(`UPDATE token SET status = 'done', updated_at = ? WHERE id = ?`, [recent, open[0]]);
    expect(finished.length).toBeGreaterThan(5);
    expect(open.length).toBeGreaterThan(2);

    for (const [hash] of [['a'], ['b'], ['c'], ['d']])
      await ds.query(`INSERT INTO assignment_candidate_set (hash, candidates) VALUES (?, '{}')`, [hash.repeat(64)]);
    await log(finished[0], 'a'.repeat(64), old); // goes, and set a with it
    await log(open[1], 'b'.repeat(64), old); // open work: stays, and keeps set b
    await log(finished[1], 'b'.repeat(64), old); // goes; set b stays for the row above
    await log(finished[2], 'd'.repeat(64), recent); // too young: stays, keeps set d
    // set c: referenced by nothing, goes

    for (const [status, at] of [
      ['succeeded', ancient],
      ['failed', ancient],
      ['running', ancient],
      ['succeeded', recent],
    ])
      await ds.query(
        `INSERT INTO job_run (job_name, phase, triggered_by, owner, status, started_at, finished_at, counts, error) VALUES ('x', 0, 'schedule', 'test', ?, ?, NULL, NULL, NULL)`,
        [status, at],
      );
    await ds.query(
      `INSERT INTO scan_record (station_code, barcode, scanned_at, token_id, result) VALUES ('S1', 'b1', ?, ?, NULL)`,
      [old, finished[0]],
    );
    for (const at of [old, recent])
      await ds.query(
        `INSERT INTO people_sync_error_log (job_name, record_id, error, payload_hash, occurred_at) VALUES ('people', 'r1', 'bad', NULL, ?)`,
        [at],
      );
  });
  afterAll(() => t.close());

  const eligibleEvents = async () =>
    (
      await ds.query<Array<{ id: unknown }>>(
        `SELECT e.id FROM token_event e JOIN token k ON k.id = e.token_id WHERE k.status IN ('done', 'scrapped') AND k.updated_at < ? ORDER BY e.id`,
        [toDbTime(new Date(now - 2 * DAY))],
      )
    ).map((r) => String(r.id));

  it('a dry run names each table, its retention and what would go, and changes nothing', async () => {
    const before = await count('token_event');
    const plan = Object.fromEntries((await t.app.get(RetentionService).plan()).map((p) => [p.table, p]));
    expect(plan.token_event).toMatchObject({ days: 2, configured: true, archive: true });
    expect(plan.token_event.eligibleRows).toBe((await eligibleEvents()).length);
    expect(plan.token_event.eligibleRows).toBeGreaterThan(BATCH * 3);
    expect(plan.token_event.eligibleRows).toBeLessThan(before);
    expect(plan.assignment_log).toMatchObject({ days: 2, eligibleRows: 2 });
    // candidate sets referenced by nothing now; the run deletes the logs of a first, then a goes too
    expect(plan.assignment_candidate_set).toMatchObject({ days: 0, eligibleRows: 1 });
    expect(plan.job_run).toMatchObject({ days: 90, configured: false, archive: false, eligibleRows: 2 });
    expect(plan.people_sync_error_log).toMatchObject({ days: 30, eligibleRows: 1 });
    expect(plan.scan_record).toMatchObject({ days: null, configured: true, eligibleRows: 0 });
    expect(plan.oem_shadow_result).toMatchObject({ days: 90, phase: 8 });
    expect(await count('token_event')).toBe(before);
  });

  it('retention off by default where the history may be needed whole: token history and the assignment audit', async () => {
    const other = await startTestApp({ JOBS_ENABLED: 'false', MIGRATE_ON_START: 'false' }, t.db);
    try {
      const tables = Object.fromEntries(
        other.app
          .get(RetentionService)
          .tables()
          .map((p) => [p.table, p]),
      );
      expect(tables.token_event).toMatchObject({ days: null, offBecause: expect.stringMatching(/traceability/) });
      expect(tables.assignment_log).toMatchObject({ days: null, offBecause: expect.any(String) });
      expect((await other.app.get(RetentionService).plan()).find((p) => p.table === 'token_event')?.eligibleRows).toBe(
        0,
      );
    } finally {
      await other.close();
    }
  });

  it('the CLI dry-runs, and refuses a run without a reason or a confirmation, changing nothing', async () => {
    const before = await count('token_event');
    const dry = await cli('retention', 'run', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const plan = Object.fromEntries(
      (json(dry.stdout).tables as Array<{ table: string; eligibleRows: number }>).map((p) => [p.table, p.eligibleRows]),
    );
    expect(plan).toMatchObject({ token_event: (await eligibleEvents()).length, assignment_log: 2, scan_record: 0 });
    const noReason = await cli('retention', 'run');
    expect({ code: noReason.code, stderr: noReason.stderr }).toEqual({
      code: 1,
      stderr: expect.stringContaining('reason: is required: this deletes history') as string,
    });
    const unconfirmed = await cli('retention', 'run', '--reason', 'disk');
    expect(unconfirmed.code).toBe(2);
    expect(await count('token_event')).toBe(before);
  }, 60_000);

  it('an archive that cannot be written deletes nothing and fails the run, saying why', async () => {
    const file = join(backupDir, 'a-file');
    writeFileSync(file, 'x');
    const other = await startTestApp({ ...env, BACKUP_DIR: file, MIGRATE_ON_START: 'false' }, t.db);
    const before = { events: await count('token_event'), logs: await count('assignment_log') };
    try {
      const run = await other.app.get(JobsService).runNow(RETENTION_JOB);
      expect(run).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(
          /Backup directory .* cannot take the retention archive of \w+ \((ENOTDIR|EEXIST): .*\); the archive failed and retention stopped: none of these \d+ rows was deleted/,
        ),
      });
      expect(run.error).not.toMatch(/backup \(|dropped/);
    } finally {
      await other.close();
    }
    expect({ events: await count('token_event'), logs: await count('assignment_log') }).toEqual(before);
  });

  it('an archive that does not read back as written deletes nothing', async () => {
    const retention = t.app.get(RetentionService);
    const before = { events: await count('token_event'), logs: await count('assignment_log') };
    const damaged: string[] = [];
    retention.afterArchiveWritten = async (location) => {
      const file = join(
        location,
        readdirSync(location).find((f) => f.endsWith('.jsonl'))!,
      );
      writeFileSync(file, readFileSync(file, 'utf8').replace('"id":', '"id" :'));
      damaged.push(location);
    };
    try {
      const run = await t.app.get(JobsService).runNow(RETENTION_JOB);
      expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/does not match its manifest/) });
    } finally {
      retention.afterArchiveWritten = async () => undefined;
    }
    expect(damaged).toHaveLength(1);
    expect({ events: await count('token_event'), logs: await count('assignment_log') }).toEqual(before);
    // the damaged archive is not mistaken for one that holds what was deleted
    rmSync(damaged[0], { recursive: true });
  });

  it('archives, verifies, then deletes only eligible rows, in short batches; open work and referenced sets stay', async () => {
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'test', reason: 'retention tests' });
    await t.http().post('/api/v1/dashboard/refresh').set(t.auth(Role.Admin)).expect(200);
    const figures = await dashboard();
    expect(figures.flow.length).toBeGreaterThan(10);

    const repo = t.app.get(RetentionRepository);
    const original = repo.deleteEligible.bind(repo);
    const batches: Array<{ table: string; keys: number; ms: number }> = [];
    repo.deleteEligible = async (em: EntityManager, policy: RetentionPolicy, cutoff: Date, keys: unknown[]) => {
      const started = performance.now();
      const n = await original(em, policy, cutoff, keys);
      batches.push({ table: policy.table, keys: keys.length, ms: performance.now() - started });
      return n;
    };
    const going = await eligibleEvents();
    const kept = (await ids('token_event')).filter((id) => !going.includes(id));
    const progress: string[] = [];
    let run;
    try {
      run = await t.app.get(JobsService).runNow(RETENTION_JOB, (line) => progress.push(line));
    } finally {
      repo.deleteEligible = original;
    }
    expect(run).toMatchObject({ status: 'succeeded', triggeredBy: 'manual', phase: 0 });
    expect(run.counts).toMatchObject({
      'token_event.archived': going.length,
      'token_event.deleted': going.length,
      'assignment_log.deleted': 2,
      'assignment_candidate_set.deleted': 2,
      'job_run.archived': 0,
      'job_run.deleted': 2,
      'people_sync_error_log.deleted': 1,
    });
    expect(progress).toContain(`token_event: ${going.length} archived, ${going.length} deleted`);

    // the history of open and recently finished tokens is whole
    expect(await ids('token_event')).toEqual(kept);
    expect(
      await ds.query(`SELECT COUNT(*) AS n FROM token_event WHERE token_id = ?`, [open[0]]).then((r) => Number(r[0].n)),
    ).toBeGreaterThan(0);
    expect(await ids('assignment_candidate_set', 'hash')).toEqual(['b'.repeat(64), 'd'.repeat(64)]);
    expect(
      (await ds.query(`SELECT token_id FROM assignment_log ORDER BY id`)).map((r: { token_id: number | string }) =>
        Number(r.token_id),
      ),
    ).toEqual([open[1], finished[2]]);
    expect(
      (await ds.query(`SELECT status FROM job_run WHERE job_name = 'x' ORDER BY id`)).map(
        (r: { status: string }) => r.status,
      ),
    ).toEqual(['running', 'succeeded']);
    expect(await count('scan_record')).toBe(1);
    expect(await count('people_sync_error_log')).toBe(1);

    // short transactions: never more than a batch, the SQLite gate held well under 250 ms each
    const eventBatches = batches.filter((b) => b.table === 'token_event');
    expect(eventBatches.length).toBe(Math.ceil(going.length / BATCH));
    expect(Math.max(...batches.map((b) => b.keys))).toBeLessThanOrEqual(BATCH);
    expect(Math.max(...batches.map((b) => b.ms))).toBeLessThan(250);

    // each archive reads back against its manifest and holds exactly the deleted rows
    const dirs = readdirSync(join(backupDir, 'retention'));
    const archived = new Map<string, string[]>();
    for (const dir of dirs) {
      const location = join(backupDir, 'retention', dir);
      const manifest = JSON.parse(readFileSync(join(location, 'manifest.json'), 'utf8')) as ArchiveManifest;
      expect(manifest).toMatchObject({ format: 'phasegate-archive/1', key: manifest.key });
      for (const item of manifest.items) {
        await verifyFile(location, item);
        const keys = readFileSync(join(location, item.file), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => String((JSON.parse(line) as Record<string, unknown>)[manifest.key]));
        archived.set(manifest.table, [...(archived.get(manifest.table) ?? []), ...keys]);
      }
    }
    expect([...archived.keys()].sort()).toEqual(['assignment_candidate_set', 'assignment_log', 'token_event']);
    expect(archived.get('token_event')).toEqual(going);
    expect(archived.get('assignment_candidate_set')?.sort()).toEqual(['a'.repeat(64), 'c'.repeat(64)]);

    // the analytics keep their aggregates: a scheduled (incremental) refresh after the purge answers the same
    expect(await t.app.get(JobsService).tick(REFRESH_JOB, new Date())).toMatchObject({ status: 'succeeded' });
    expect(await dashboard()).toEqual(figures);
  });

  it('after a purge, a full rebuild and a self-check keep the figures of the purged periods (the retention horizon)', async () => {
    const horizons = t.app.get(RetentionHorizonRepository);
    const horizon = (await horizons.purgedBefore('token_event'))!.getTime();
    expect(Math.abs(horizon - (now - 2 * DAY))).toBeLessThan(5 * 60_000);
    // it only moves forward
    await horizons.advance('token_event', new Date(now - 9 * DAY));
    expect((await horizons.purgedBefore('token_event'))!.getTime()).toBe(horizon);

    // new work after the horizon, on nodes whose wip the kept periods carry
    const recent = walkTokens(world, random(77), 60, Date.now(), 'post').filter(
      (w) => w.events[0].at > now - 20 * 3_600_000,
    );
    expect(recent.length).toBeGreaterThan(3);
    await writeEvents(ds, recent, () => Date.now());
    expect(await t.app.get(JobsService).tick(REFRESH_JOB, new Date())).toMatchObject({ status: 'succeeded' });
    const figures = await dashboard();

    const check = await t.http().post('/api/v1/dashboard/refresh').set(t.auth(Role.Admin)).expect(200);
    expect(check.body.counts).toMatchObject({ views_checked: 2, mismatches: 0 });
    expect(await dashboard()).toEqual(figures);
    await t.app.get(DashboardRefreshService).refresh({ full: true });
    expect(await dashboard()).toEqual(figures);

    // a purge that moves the horizon while a full rebuild reads history: that build is not kept
    const refresher = t.app.get(DashboardRefreshService);
    const flowGeneration = async () =>
      (
        await ds.query<Array<{ generation: number }>>(
          `SELECT generation FROM mv_refresh_state WHERE view_name = 'mv_token_flow_summary'`,
        )
      )[0].generation;
    const before = await flowGeneration();
    refresher.beforeStep = async (step) => {
      if (!step.startsWith('mv_token_flow_summary')) return;
      refresher.beforeStep = async () => undefined;
      await horizons.advance('token_event', new Date(horizon + 3_600_000));
    };
    try {
      await expect(refresher.refresh({ full: true })).rejects.toThrow(/token_event was purged during the build/);
    } finally {
      refresher.beforeStep = async () => undefined;
    }
    expect(await flowGeneration()).toBe(before);
    expect(await dashboard()).toEqual(figures);
  });

  it('the status shows each table: its retention, rows, size, oldest row and next purge', async () => {
    const other = await startTestApp({ ...env, JOBS_ENABLED: 'true', MIGRATE_ON_START: 'false' }, t.db);
    try {
      const state = Object.fromEntries((await other.app.get(RetentionService).state()).map((s) => [s.table, s]));
      const [first] = await ds.query<Array<{ at: string | Date }>>(
        `SELECT occurred_at AS at FROM token_event ORDER BY id LIMIT 1`,
      );
      expect(state.token_event).toMatchObject({ days: 2, rows: await count('token_event'), phase: null });
      expect(state.token_event.oldest).toEqual(fromDbTime(first.at));
      expect(state.token_event.bytes === null || state.token_event.bytes > 0).toBe(true);
      expect(state.token_event.nextPurge).toBeInstanceOf(Date);
      expect(state.token_event.nextPurge!.getTime()).toBeGreaterThan(Date.now());
      expect(state.scan_record).toMatchObject({ days: null, rows: 1, nextPurge: null });
      expect(state.assignment_candidate_set).toMatchObject({ phase: 7, rows: 2, oldest: null });
    } finally {
      await other.close();
    }
  });

  it('the CLI and the REST API show the same status; a CLI run prints its progress', async () => {
    const status = await cli('retention', 'status', '--json');
    expect(status.code).toBe(0);
    const fromCli = json(status.stdout).tables as Array<{ table: string; rows: number | null }>;
    const fromApi = (await t.http().get('/api/v1/admin/retention').set(t.auth(Role.Supervisor)).expect(200))
      .body as Array<{ table: string; rows: number | null; oldest: string | null }>;
    expect(fromCli.map((r) => [r.table, r.rows])).toEqual(fromApi.map((r) => [r.table, r.rows]));
    const phase7 = (await t.http().get('/api/v1/admin/phases').set(t.auth(Role.Supervisor)).expect(200)).body.find(
      (p: { number: number }) => p.number === 7,
    );
    expect(phase7.retention.map((r: { table: string }) => r.table)).toEqual([
      'assignment_log',
      'assignment_candidate_set',
    ]);
    expect((await cli('phases', 'status')).stdout).toMatch(/Retention .*\n(.*\n)*token_event +core +2d \(set\)/);

    for (let i = 0; i < 3; i++)
      await ds.query(
        `INSERT INTO job_run (job_name, phase, triggered_by, owner, status, started_at) VALUES ('y', 0, 'manual', 'test', 'failed', ?)`,
        [ancient],
      );
    const run = await cli('retention', 'run', '--reason', 'test purge', '--yes');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('job_run: 3 deleted\n');
    expect(run.stdout).toMatch(/Retention run #\d+ succeeded/);
  }, 60_000);

  it('two replicas ticking at the same time run the job once', async () => {
    const other = await startTestApp({ ...env, MIGRATE_ON_START: 'false' }, t.db);
    try {
      const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
      const runs = await Promise.all([
        t.app.get(JobsService).tick(RETENTION_JOB, tick),
        other.app.get(JobsService).tick(RETENTION_JOB, tick),
      ]);
      expect(runs.filter((r) => r !== null)).toHaveLength(1);
      expect(runs.find((r) => r !== null)).toMatchObject({ status: 'succeeded', triggeredBy: 'schedule' });
    } finally {
      await other.close();
    }
  });

  it('skips the table of a phase whose schema is reverted, and says it is absent', async () => {
    await ds.query(`DROP TABLE oem_shadow_result`);
    expect(await t.app.get(JobsService).runNow(RETENTION_JOB)).toMatchObject({ status: 'succeeded' });
    const plan = await t.app.get(RetentionService).plan();
    expect(plan.find((p) => p.table === 'oem_shadow_result')).toMatchObject({ days: 90, eligibleRows: 0 });
    const state = await t.app.get(RetentionService).state(8);
    expect(state).toEqual([expect.objectContaining({ table: 'oem_shadow_result', rows: null, oldest: null })]);
  });

  it('is listed with the jobs (phase 0, no flag); an emergency rollback stops the phase jobs and leaves it running', async () => {
    const list = async () =>
      (await t.http().get('/api/v1/admin/jobs').set(t.auth(Role.Supervisor)).expect(200)).body as Array<{
        name: string;
        phase: number;
        flag: string;
        stopped: boolean;
      }>;
    expect((await list()).find((j) => j.name === RETENTION_JOB)).toMatchObject({ phase: 0, flag: '', stopped: false });
    await t.app.get(RollbackService).rollback({ emergency: true, reason: 'retention suite', actor: 'test' });
    const after = await list();
    expect(after.filter((j) => j.phase > 0).every((j) => j.stopped)).toBe(true);
    expect(after.find((j) => j.name === RETENTION_JOB)).toMatchObject({ stopped: false });
    expect(await t.app.get(JobsService).runNow(RETENTION_JOB)).toMatchObject({ status: 'succeeded' });
  });
});
