import { DataSource } from 'typeorm';
import { startPeopleSim, type PeopleSim } from '../scripts/people-api-sim.js';
import { Role } from '../src/common/auth/role.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../src/dashboard/dashboard.schema.js';
import { PEOPLE_JOBS } from '../src/people/people-sync.service.js';
import { PEOPLE_FLAG } from '../src/people/people.schema.js';
import { JobRunRow, jobRuns, Replica, startReplicas, startSlowReceiver, stopReplicas } from './support/cluster.js';
import { sleep, waitFor } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { testDbKind } from './support/test-database.js';

const FLAG_REFRESH_MS = 250;
/** Event-loop lag of three busy processes on a shared two-core machine, plus the HTTP poll that observes it. */
const MARGIN_MS = 750;
const TICKS = 20;
const EVERY_SECOND = '* * * * * *';
const HALF_PERIOD_MS = 500;
const WEBHOOK_DELAY_MS = 1500;

const runLines = (runs: JobRunRow[]) =>
  runs.map((r) => `${r.startedAt.toISOString()} to ${r.finishedAt?.toISOString()} on ${r.owner}`);

const onMariaDb = testDbKind() === 'mysql';

/**
 * Three real app processes on one MariaDB database, as production runs them. On SQLite the
 * database is one process's file, so the suite only runs with TEST_DB=mysql.
 */
(onMariaDb ? describe : describe.skip)(
  `three replicas on one database${onMariaDb ? '' : ' (skipped: replicas share a MariaDB server; run with TEST_DB=mysql)'}`,
  () => {
    let admin: TestApp;
    let ds: DataSource;
    let sim: PeopleSim;
    let hook: Awaited<ReturnType<typeof startSlowReceiver>>;
    let replicas: Replica[];
    let key: string;
    const jobs = [REFRESH_JOB, PEOPLE_JOBS.operators, PEOPLE_JOBS.teams, PEOPLE_JOBS.availability];

    beforeAll(async () => {
      sim = await startPeopleSim({ size: 60, token: 'replica-token' });
      hook = await startSlowReceiver(WEBHOOK_DELAY_MS);
      const env = {
        FLAG_REFRESH_MS: String(FLAG_REFRESH_MS),
        DASHBOARD_REFRESH_CRON: EVERY_SECOND,
        PEOPLE_SYNC_OPERATORS_CRON: EVERY_SECOND,
        PEOPLE_SYNC_TEAMS_CRON: EVERY_SECOND,
        PEOPLE_SYNC_AVAILABILITY_CRON: EVERY_SECOND,
        PEOPLE_API_URL: sim.url,
        PEOPLE_API_TOKEN: sim.token,
        PEOPLE_HASH_KEY: 'replicas-hash-key',
        PEOPLE_API_PAGE_SIZE: '100',
        ROLLBACK_WEBHOOK_URL: hook.url,
        ROLLBACK_WEBHOOK_TIMEOUT_MS: String(WEBHOOK_DELAY_MS * 4),
      };
      // migrates the database and creates the keys; runs no jobs itself
      admin = await startTestApp({ ...env, JOBS_ENABLED: 'false' });
      ds = admin.app.get(DataSource);
      key = admin.keys[Role.Admin];
      replicas = await startReplicas(admin.db, 3, { ...env, JOBS_ENABLED: 'true', MIGRATE_ON_START: 'false' });
    }, 120_000);

    afterAll(async () => {
      await stopReplicas(replicas ?? []);
      await admin?.close();
      await hook?.close();
      await sim?.close();
    });

    const effective = async (r: Replica, flag: string): Promise<boolean> => {
      const res = await r.call('GET', '/api/v1/admin/flags', key);
      expect(res.status).toBe(200);
      return (res.body as Array<{ key: string; effective: boolean }>).find((f) => f.key === flag)!.effective;
    };

    it(`a flag flipped on one replica is effective on all within FLAG_REFRESH_MS (${FLAG_REFRESH_MS} ms) plus ${MARGIN_MS} ms`, async () => {
      const flag = 'oem_shadow_run';
      const seen: number[] = [];
      for (const [i, enabled] of [true, false, true, false].entries()) {
        const origin = replicas[i % replicas.length];
        const res = await origin.call('PUT', `/api/v1/admin/flags/${flag}`, key, {
          enabled,
          reason: 'propagation test',
        });
        expect(res.status).toBe(200);
        const changedAt = Date.now();
        await Promise.all(
          replicas.map(async (r) => {
            await waitFor(async () => (await effective(r, flag)) === enabled, 5000, 20);
            seen.push(Date.now() - changedAt);
          }),
        );
      }
      console.log(`flag propagation across 3 replicas (ms): max ${Math.max(...seen)}, all ${seen.join(' ')}`);
      expect(Math.max(...seen)).toBeLessThanOrEqual(FLAG_REFRESH_MS + MARGIN_MS);
    });

    it(`runs each scheduled job exactly once per tick across ${TICKS} ticks`, async () => {
      // the tick a run belongs to is not stored by the app: a trigger records every tick taken
      // (job_lease.last_tick moving on) with the replica that took it
      await ds.query(
        `CREATE TABLE test_tick_claim (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100), tick DATETIME(3), owner VARCHAR(200))`,
      );
      await ds.query(
        `CREATE TRIGGER test_tick_claim_log AFTER UPDATE ON job_lease FOR EACH ROW
       INSERT INTO test_tick_claim (name, tick, owner) SELECT NEW.name, NEW.last_tick, NEW.owner FROM DUAL WHERE NOT (NEW.last_tick <=> OLD.last_tick)`,
      );
      for (const flag of [DASHBOARD_FLAG, PEOPLE_FLAG]) {
        expect(
          (await replicas[0].call('PUT', `/api/v1/admin/flags/${flag}`, key, { enabled: true, reason: 'tick test' }))
            .status,
        ).toBe(200);
      }
      await waitFor(
        async () => (await Promise.all(replicas.map((r) => effective(r, PEOPLE_FLAG)))).every(Boolean),
        5000,
        20,
      );
      const first = Math.floor(Date.now() / 1000) + 1;
      const window = Array.from({ length: TICKS }, (_, i) => (first + i) * 1000);
      await sleep((first + TICKS) * 1000 + 600 - Date.now());
      for (const flag of [DASHBOARD_FLAG, PEOPLE_FLAG]) {
        expect(
          (
            await replicas[1].call('PUT', `/api/v1/admin/flags/${flag}`, key, {
              enabled: false,
              reason: 'tick test over',
            })
          ).status,
        ).toBe(200);
      }
      await waitFor(async () => (await jobRuns(ds, jobs)).every((r) => r.status !== 'running'), 15_000, 100);

      const runs = await jobRuns(ds, jobs);
      const claims: Array<{ name: string; tick: Date; owner: string }> = await ds.query(
        `SELECT name, tick, owner FROM test_tick_claim ORDER BY id`,
      );
      const report: Record<string, string> = {};
      for (const job of jobs) {
        const jobRunsInOrder = runs.filter((r) => r.job === job);
        const jobClaims = claims.filter((c) => c.name === job);
        // every tick taken started exactly one run, on the replica that took it, and nothing else ran
        expect(jobRunsInOrder.map((r) => r.owner)).toEqual(jobClaims.map((c) => c.owner));
        const ticks = jobClaims.map((c) => c.tick.getTime());
        expect(new Set(ticks).size).toBe(ticks.length);
        // a tick passes only while the job's previous run still holds the lease (a job never
        // overlaps itself); replicas claim tick T when their timers fire within half a period of it
        const skipped = window.filter((t) => !ticks.includes(t));
        const busy = (t: number) =>
          jobRunsInOrder.some(
            (r) =>
              r.startedAt.getTime() < t + HALF_PERIOD_MS && (r.finishedAt?.getTime() ?? Infinity) > t - HALF_PERIOD_MS,
          );
        const unexplained = skipped.filter((t) => !busy(t)).map((t) => new Date(t).toISOString());
        expect({ job, unexplained, runs: unexplained.length ? runLines(jobRunsInOrder) : [] }).toEqual({
          job,
          unexplained: [],
          runs: [],
        });
        report[job] =
          `${window.length - skipped.length}/${TICKS} ticks ran once${skipped.length ? `, ${skipped.length} passed while its previous run was still going` : ''}`;
      }
      console.log(
        `scheduled jobs on 3 replicas, owners ${new Set(runs.map((r) => r.owner)).size}:\n${Object.entries(report)
          .map(([j, r]) => `  ${j}: ${r}`)
          .join('\n')}`,
      );
      expect(runs.filter((r) => r.status !== 'succeeded').map((r) => `${r.job} ${r.status}: ${r.error}`)).toEqual([]);
      const leases: Array<{ name: string; owner: string | null }> = await ds.query(`SELECT name, owner FROM job_lease`);
      expect(leases.filter((l) => jobs.includes(l.name) && l.owner !== null)).toEqual([]);
    }, 60_000);

    it('two rollbacks requested on two replicas at once: one proceeds, the other gets 409 ROLLBACK_IN_PROGRESS', async () => {
      const [before] = await ds.query(`SELECT COUNT(*) AS n FROM rollback_log`);
      const answers = await Promise.all(
        [replicas[0], replicas[2]].map((r) =>
          r.call('POST', '/api/v1/admin/rollbacks', key, { phase: 10, reason: `concurrent from ${r.name}` }),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([201, 409]);
      const won = answers.find((a) => a.status === 201)!.body;
      const lost = answers.find((a) => a.status === 409)!.body;
      expect(won).toMatchObject({ status: 'completed', phases: [10] });
      expect(lost).toMatchObject({ code: 'ROLLBACK_IN_PROGRESS' });
      const [after] = await ds.query(`SELECT COUNT(*) AS n FROM rollback_log`);
      expect(Number(after.n) - Number(before.n)).toBe(1);
      const [lease] = await ds.query(`SELECT owner FROM rollback_lease WHERE name = 'rollback'`);
      expect(lease.owner).toBeNull();
    });
  },
);
