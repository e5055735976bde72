import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { createThrowawayMysqlDatabase } from '../scripts/throwaway-mysql-database.js';
import { Role } from '../src/common/auth/role.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../src/dashboard/dashboard.schema.js';
import { createLine, startJob, tokensOf } from './production-fixtures.js';
import { jobRuns, Replica, startReplicas, stopReplicas } from './support/cluster.js';
import { startTestApp, TestApp } from './support/test-app.js';
import type { TestDatabase } from './support/test-database.js';
import { testDbKind } from './support/test-database.js';
import { sleep, waitFor } from './support/wait.js';
import { PROJECT_ROOT } from '../src/config/project-root.js';

const run = promisify(execFile);
const NODE_URLS = (process.env.TEST_GALERA_URLS ?? '').split(',').filter(Boolean);
const onCluster = testDbKind() === 'mysql' && NODE_URLS.length === 3 && !!process.env.GALERA_DIR;
const FLAG_REFRESH_MS = 250;
/** Event-loop lag of three busy replicas and three database nodes on a shared two-core machine. */
const MARGIN_MS = 750;

type Answer = { status: number; body: any };
const statuses = (answers: Answer[]) =>
  answers.map((a) => `${a.status}${a.status >= 400 && a.body?.code ? ` ${a.body.code}` : ''}`).sort();
const serverErrors = (answers: Answer[]) =>
  answers.filter((a) => a.status >= 500).map((a) => `${a.status} ${JSON.stringify(a.body)}`);
const cluster = (command: 'kill' | 'restart', node: number) =>
  run('bash', ['scripts/galera-test-cluster.sh', command, String(node)], {
    cwd: PROJECT_ROOT,
    env: process.env,
    timeout: 120_000,
  });

/**
 * Three replicas, each on its own node of a 3-node MariaDB Galera cluster that
 * scripts/test.sh started (scripts/galera-test-cluster.sh: TEST_GALERA_URLS, GALERA_DIR).
 * Every node accepts writes, so what one server serialises with row locks is decided here at
 * commit, by certification: these are the races that went wrong there.
 */
(onCluster ? describe : describe.skip)(
  `three replicas on a 3-node Galera cluster${onCluster ? '' : ' (skipped: needs the cluster of scripts/galera-test-cluster.sh, TEST_GALERA_URLS)'}`,
  () => {
    let db: TestDatabase;
    let admin: TestApp;
    let ds: DataSource;
    let replicas: Replica[];
    let key: string;

    beforeAll(async () => {
      const created = await createThrowawayMysqlDatabase(NODE_URLS[0], 'pg_galera');
      const name = new URL(created.url).pathname;
      const urlOf = (node: number) => Object.assign(new URL(NODE_URLS[node]), { pathname: name }).toString();
      db = { kind: 'mysql', env: { DB_TYPE: 'mysql', DB_URL: urlOf(0) }, drop: () => created.drop() };
      const env = {
        FLAG_REFRESH_MS: String(FLAG_REFRESH_MS),
        DASHBOARD_REFRESH_CRON: '* * * * * *',
        SCAN_DEDUP_WINDOW_MS: '600000',
      };
      // migrates the database (on node 1) and creates the keys; runs no jobs itself
      admin = await startTestApp({ ...env, JOBS_ENABLED: 'false' }, db);
      ds = admin.app.get(DataSource);
      key = admin.keys[Role.Admin];
      replicas = await startReplicas(db, 3, { ...env, JOBS_ENABLED: 'true', MIGRATE_ON_START: 'false' }, (i) => ({
        DB_URL: urlOf(i),
      }));
    }, 180_000);

    afterAll(async () => {
      await stopReplicas(replicas ?? []);
      await admin?.close();
      await db?.drop();
    });

    const everywhere = (method: string, path: string, body?: (r: Replica, i: number) => unknown) =>
      Promise.all(replicas.map((r, i) => r.call(method, path, key, body?.(r, i))));

    it('the same scan arriving on three nodes at once: one accepted, the others its duplicate, no 5xx', async () => {
      const line = await createLine(admin, 'GAL-SCAN');
      const jobId = await startJob(admin, line.graphId, 'GAL-SCAN-J', 12);
      const tokens = await tokensOf(admin, jobId);
      const all: Answer[] = [];
      for (const token of tokens) {
        const answers = await everywhere('POST', '/api/v1/scans', () => ({
          stationCode: 'ST-S',
          barcode: token.serial,
        }));
        all.push(...answers);
        expect({
          serial: token.serial,
          accepted: answers.filter((a) => a.status === 200 && a.body.duplicate === false).length,
        }).toEqual({ serial: token.serial, accepted: 1 });
      }
      console.log(
        `scans of one token sent to 3 nodes at once (${tokens.length} tokens): ${JSON.stringify(countOf(statuses(all)))}`,
      );
      expect(serverErrors(all)).toEqual([]);
      // a repeat is the documented 200 duplicate: true; a 409 only when every retry lost
      expect(all.filter((a) => a.status !== 200 && a.body?.code !== 'CONCURRENT_UPDATE')).toEqual([]);
      const started: Array<{ n: number }> = await ds.query(
        `SELECT COUNT(*) AS n FROM token_event e JOIN token t ON t.id = e.token_id WHERE t.job_id = ? AND e.type = 'started'`,
        [jobId],
      );
      expect(Number(started[0].n as number | string)).toBe(tokens.length);
    });

    it('a token routed from three nodes at once: one move wins, the others get 409, no 5xx', async () => {
      const line = await createLine(admin, 'GAL-ROUTE');
      const jobId = await startJob(admin, line.graphId, 'GAL-ROUTE-J', 10);
      const all: Answer[] = [];
      for (const token of await tokensOf(admin, jobId)) {
        const answers = await everywhere('POST', `/api/v1/tokens/${token.id}/start`, () => ({
          expectedVersion: token.version,
        }));
        all.push(...answers);
        expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      }
      console.log(`starts of one token sent to 3 nodes at once: ${JSON.stringify(countOf(statuses(all)))}`);
      expect(serverErrors(all)).toEqual([]);
      expect(all.filter((a) => a.status !== 200 && a.body?.code !== 'CONCURRENT_UPDATE')).toEqual([]);
    });

    it('three replicas changing three different flags at once: every change lands and is audited, no 5xx', async () => {
      const flags = ['oem_shadow_run', 'enable_assignment_preview', 'enable_people_integration_readonly'];
      const [before] = await ds.query(`SELECT COUNT(*) AS n FROM feature_flag_audit`);
      const all: Answer[] = [];
      const ROUNDS = 10;
      for (let round = 0; round < ROUNDS; round++) {
        const answers = await Promise.all(
          replicas.map((r, i) =>
            r.call('PUT', `/api/v1/admin/flags/${flags[i]}`, key, {
              enabled: round % 2 === 0,
              reason: `galera round ${round}`,
            }),
          ),
        );
        all.push(...answers);
      }
      console.log(`flag changes on 3 nodes at once: ${JSON.stringify(countOf(statuses(all)))}`);
      expect(serverErrors(all)).toEqual([]);
      expect(all.filter((a) => a.status !== 200)).toEqual([]);
      const [after] = await ds.query(`SELECT COUNT(*) AS n FROM feature_flag_audit`);
      expect(Number(after.n) - Number(before.n)).toBe(ROUNDS * flags.length);
    });

    it('overlapping leave requests for one operator sent to three nodes: exactly one is held, the rest 409 OVERLAP', async () => {
      const OPERATORS = 8;
      const PER_OPERATOR = 6;
      const all: Answer[] = [];
      const day = 24 * 3600_000;
      for (let o = 0; o < OPERATORS; o++) {
        const op = await admin
          .http()
          .post('/api/v1/operators')
          .set(admin.auth(Role.Supervisor))
          .send({ code: `GAL-OP-${o}`, name: `Galera operator ${o}` })
          .expect(201);
        const start = Date.UTC(2031, 0, 1) + o * day;
        const answers = await Promise.all(
          Array.from({ length: PER_OPERATOR }, (_, i) =>
            replicas[i % 3].call('POST', '/api/v1/assignment/leave', key, {
              operatorId: op.body.id,
              startsAt: new Date(start + i * 3600_000),
              endsAt: new Date(start + day),
            }),
          ),
        );
        all.push(...answers);
      }
      console.log(
        `overlapping leave requests, ${PER_OPERATOR} per operator over 3 nodes: ${JSON.stringify(countOf(statuses(all)))}`,
      );
      expect(serverErrors(all)).toEqual([]);
      expect(all.filter((a) => a.status === 201)).toHaveLength(OPERATORS);
      expect(all.filter((a) => a.status !== 201 && !['OVERLAP', 'CONCURRENT_UPDATE'].includes(a.body?.code))).toEqual(
        [],
      );
      const overlapping = await ds.query(
        `SELECT a.id FROM leave_request a JOIN leave_request b ON a.account_id = b.account_id AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
       WHERE a.status IN ('pending', 'approved') AND b.status IN ('pending', 'approved')`,
      );
      expect(overlapping).toEqual([]);
    });

    it('what one replica created, another reads and changes at once (read-your-writes across nodes)', async () => {
      const { graphId } = await createLine(admin, 'GAL-RYW');
      for (let i = 0; i < 15; i++) {
        const [writer, reader] = [replicas[i % 3], replicas[(i + 1) % 3]];
        const created = await writer.call('POST', '/api/v1/jobs', key, {
          code: `GAL-RYW-${i}`,
          graphId,
          productCode: 'P-1',
          quantity: 2,
        });
        expect(created.status).toBe(201);
        const released = await reader.call('POST', `/api/v1/jobs/${created.body.id}/release`, key);
        expect({ i, status: released.status, body: released.body?.status }).toEqual({
          i,
          status: 200,
          body: 'released',
        });
        const spawned = await writer.call('POST', `/api/v1/jobs/${created.body.id}/spawn`, key);
        expect(spawned.status).toBe(200);
        const tokens = await reader.call('GET', `/api/v1/tokens?jobId=${created.body.id}`, key);
        const token = tokens.body.items[0];
        // the version the writer's node just gave is current on the reader's
        const started = await reader.call('POST', `/api/v1/tokens/${token.id}/start`, key, {
          expectedVersion: token.version,
        });
        expect({ i, status: started.status }).toEqual({ i, status: 200 });
      }
    });

    it('a scheduled job runs once per tick across the three nodes', async () => {
      expect(
        (
          await replicas[0].call('PUT', `/api/v1/admin/flags/${DASHBOARD_FLAG}`, key, {
            enabled: true,
            reason: 'tick test',
          })
        ).status,
      ).toBe(200);
      const from = Date.now();
      await sleep(8_000);
      expect(
        (
          await replicas[1].call('PUT', `/api/v1/admin/flags/${DASHBOARD_FLAG}`, key, {
            enabled: false,
            reason: 'tick test over',
          })
        ).status,
      ).toBe(200);
      // a replica that has not refreshed its flags yet may still start a tick: only once all have
      // seen the flag off is a finished set of runs the last one
      await sleep(FLAG_REFRESH_MS + MARGIN_MS);
      await waitFor(async () => (await jobRuns(ds, [REFRESH_JOB])).every((r) => r.status !== 'running'), 15_000, 100);
      const runs = (await jobRuns(ds, [REFRESH_JOB])).filter((r) => r.startedAt.getTime() >= from);
      // a tick's runs start within half a second after it on whichever replica took its lease
      const ticks = runs.map((r) => Math.floor(r.startedAt.getTime() / 1000));
      console.log(
        `dashboard refresh over 8 s on 3 replicas: ${runs.length} runs, owners ${new Set(runs.map((r) => r.owner)).size}`,
      );
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(runs.length).toBeGreaterThanOrEqual(4);
      expect(runs.filter((r) => r.status !== 'succeeded').map((r) => `${r.status}: ${r.error}`)).toEqual([]);
    }, 40_000);

    it(`an emergency rollback on one node is effective on every replica within FLAG_REFRESH_MS plus ${MARGIN_MS} ms`, async () => {
      expect(
        (
          await replicas[0].call('PUT', `/api/v1/admin/flags/oem_shadow_run`, key, {
            enabled: true,
            reason: 'before the emergency',
          })
        ).status,
      ).toBe(200);
      await waitFor(
        async () => (await Promise.all(replicas.map((r) => flagOn(r, 'oem_shadow_run')))).every(Boolean),
        5000,
        20,
      );
      const res = await replicas[2].call('POST', '/api/v1/admin/rollbacks', key, {
        emergency: true,
        reason: 'galera emergency',
      });
      expect(res.status).toBe(201);
      const done = Date.now();
      const seen = await Promise.all(
        replicas.map(async (r) => {
          await waitFor(async () => !(await flagOn(r, 'oem_shadow_run')), 5000, 20);
          return Date.now() - done;
        }),
      );
      console.log(`emergency rollback seen by the 3 replicas after (ms): ${seen.join(' ')}`);
      expect(Math.max(...seen)).toBeLessThanOrEqual(FLAG_REFRESH_MS + MARGIN_MS);
    });

    it('a node killed under load and restarted: only documented 503s meanwhile, the others serve once it is evicted, and its replica recovers without a restart', async () => {
      const { graphId } = await createLine(admin, 'GAL-KILL');
      const jobId = await startJob(admin, graphId, 'GAL-KILL-J', 2, false);
      const answers: Array<Answer & { replica: number }> = [];
      let loading = true;
      // reads, and writes to one shared row (the flag version) from all three nodes
      const load = replicas.map(async (r, i) => {
        for (let n = 0; loading; n++) {
          const res = await (
            n % 4 === 3
              ? r.call('PUT', '/api/v1/admin/flags/oem_shadow_run', key, { enabled: n % 8 === 3, reason: 'under load' })
              : r.call('GET', `/api/v1/jobs/${jobId}`, key)
          ).catch((error: unknown) => ({ status: 0, body: String(error) }));
          answers.push({ ...res, replica: i });
          await sleep(20);
        }
      });
      await sleep(500);
      await cluster('kill', 3);
      await waitFor(async () => (await replicas[2].call('GET', '/health/ready', key)).status === 503, 10_000, 100);
      // Until the survivors evict the dead node (evs.suspect_timeout, 5 s) the cluster cannot commit
      // or serve a causal read, and a loaded host may see it briefly non-primary: the survivors'
      // replicas may answer 503 then, as documented. Once it is evicted, two of three are a quorum.
      await waitFor(async () => (await clusterSize(ds)) === 2, 30_000, 200);
      for (const survivor of replicas.slice(0, 2)) {
        expect((await survivor.call('GET', `/api/v1/jobs/${jobId}`, key)).status).toBe(200);
        expect(
          (
            await survivor.call('PUT', '/api/v1/admin/flags/oem_shadow_run', key, {
              enabled: false,
              reason: 'two of three nodes',
            })
          ).status,
        ).toBe(200);
      }
      await cluster('restart', 3);
      await waitFor(async () => (await replicas[2].call('GET', '/health/ready', key)).status === 200, 60_000, 200);
      await waitFor(
        async () => (await replicas[2].call('GET', `/api/v1/jobs/${jobId}`, key)).status === 200,
        30_000,
        200,
      );
      loading = false;
      await Promise.all(load);
      const byReplica = [0, 1, 2].map((i) => countOf(statuses(answers.filter((a) => a.replica === i))));
      console.log(`answers while node 3 was killed and restarted, per replica: ${JSON.stringify(byReplica)}`);
      expect(
        answers
          .filter((a) => a.status !== 200 && !(a.status === 503 && a.body?.code === 'DATABASE_UNAVAILABLE'))
          .map((a) => `${a.replica}: ${a.status} ${JSON.stringify(a.body)}`),
      ).toEqual([]);
      expect(answers.filter((a) => a.replica === 2 && a.status === 503).length).toBeGreaterThan(0);
      // reads and writes work again through every node, the recovered one included
      for (const r of replicas) {
        expect((await r.call('GET', `/api/v1/jobs/${jobId}`, key)).status).toBe(200);
        expect(
          (
            await r.call('PUT', '/api/v1/admin/flags/oem_shadow_run', key, {
              enabled: false,
              reason: 'node 3 rejoined',
            })
          ).status,
        ).toBe(200);
      }
      expect((await replicas[2].call('POST', `/api/v1/jobs/${jobId}/spawn`, key)).status).toBe(200);
    }, 180_000);

    const flagOn = async (r: Replica, flag: string): Promise<boolean> => {
      const res = await r.call('GET', '/api/v1/admin/flags', key);
      expect(res.status).toBe(200);
      return (res.body as Array<{ key: string; effective: boolean }>).find((f) => f.key === flag)!.effective;
    };
  },
);

async function clusterSize(ds: DataSource): Promise<number> {
  const [row] = await ds.query(`SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'`);
  return Number(row?.Value ?? 0);
}

function countOf(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
