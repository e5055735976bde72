import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import { startJob } from './production-fixtures.js';
import { Replica, startReplicas, stopReplicas } from './support/cluster.js';
import { sleep } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { testDbKind } from './support/test-database.js';
import { PROJECT_ROOT } from '../src/config/project-root.js';

const CONNECTIONS = 6;
const BEFORE_MS = 10_000;
const AFTER_MS = 10_000;
const PAUSE_MS = 2500;
const DRAIN_MS = 3000;
const STATIONS = ['ST-KIT', 'ST-CUT', 'ST-WELD', 'ST-PAINT', 'ST-QC', 'ST-RWK', 'ST-PACK'];
const DASHBOARD = ['token-flow', 'bottlenecks', 'team-workload', 'cycle-times'];
/** The 503s the API documents: a phase's reads while it is off, writes in read-only mode. */
const DOCUMENTED_503 = new Set(['DATA_UNAVAILABLE', 'READ_ONLY']);
const onMariaDb = testDbKind() === 'mysql';

type Window = 'before' | 'during' | 'after';

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/**
 * autocannon drives station scans (each accepted scan starts or completes-and-routes a token)
 * and dashboard reads at a fixed concurrency against two app processes, while Phase 10, then
 * Phase 8, then every phase (emergency) is rolled back and enabled again.
 */
(onMariaDb ? describe : describe.skip)(
  `load during rollback${onMariaDb ? '' : ' (skipped: two replicas share a MariaDB server; run with TEST_DB=mysql)'}`,
  () => {
    let admin: TestApp;
    let ds: DataSource;
    let replicas: Replica[];
    let serials: string[];

    beforeAll(async () => {
      // every scan counts: no de-duplication window folding repeats into one answer
      const env = { SCAN_DEDUP_WINDOW_MS: '0', DASHBOARD_REFRESH_CRON: '*/5 * * * * *', FLAG_REFRESH_MS: '250' };
      admin = await startTestApp({ ...env, JOBS_ENABLED: 'false' });
      ds = admin.app.get(DataSource);
      const { graphId } = await admin.app.get(DemoSeedService).seed();
      // enough tokens that scans keep finding work until the end
      await startJob(admin, graphId, 'LOAD-1', 300);
      serials = (await ds.query(`SELECT serial FROM token WHERE status <> 'done' ORDER BY id`)).map(
        (r: { serial: string }) => r.serial,
      );
      expect(serials.length).toBeGreaterThan(10);
      replicas = await startReplicas(admin.db, 2, { ...env, JOBS_ENABLED: 'true', MIGRATE_ON_START: 'false' });
      for (const phase of [8, 10]) {
        const res = await replicas[0].call('POST', `/api/v1/admin/phases/${phase}/enable`, admin.keys[Role.Admin], {
          reason: 'load test',
        });
        expect([200, 201]).toContain(res.status);
      }
      await replicas[0].call('POST', '/api/v1/dashboard/refresh', admin.keys[Role.Admin], {});
    }, 120_000);

    afterAll(async () => {
      await stopReplicas(replicas ?? []);
      await admin?.close();
    });

    it('no 5xx beyond the documented 503s, every accepted scan one event, no token moved twice; p50/p99 before, during, after', async () => {
      const [{ maxEvent }] = await ds.query(`SELECT COALESCE(MAX(id), 0) AS maxEvent FROM token_event`);
      const latencies: Record<Window, number[]> = { before: [], during: [], after: [] };
      const statuses: Record<Window, Record<string, number>> = { before: {}, during: {}, after: {} };
      const undocumented: string[] = [];
      const accepted = new Map<string, number>();
      let window: Window = 'before';
      // stopping autocannon drops the answers in flight, whose scans may still commit: before the
      // stop, scans turn to an unknown barcode (404, no effect) until the last real one answered
      let draining = false;
      let errors = 0;
      const adminKey = admin.keys[Role.Admin];

      const onResponse = (status: number, body: string) => {
        let parsed: { code?: string; action?: string; duplicate?: boolean; token?: { id: number } | null } = {};
        try {
          parsed = JSON.parse(body);
        } catch {
          // a non-JSON answer keeps an empty record and is judged by its status alone
        }
        const key = status >= 500 ? `${status} ${parsed.code ?? 'no code'}` : String(status);
        statuses[window][key] = (statuses[window][key] ?? 0) + 1;
        if (status >= 500 && !(status === 503 && DOCUMENTED_503.has(parsed.code ?? '')))
          undocumented.push(`${status} ${body.slice(0, 200)}`);
        // a duplicate is the stored answer of an earlier scan (two at once in the same millisecond): no new event
        if (
          status === 200 &&
          parsed.duplicate === false &&
          ['started', 'completed', 'finished'].includes(parsed.action ?? '') &&
          parsed.token
        ) {
          const k = `${parsed.token.id}:${parsed.action === 'started' ? 'started' : 'completed'}`;
          accepted.set(k, (accepted.get(k) ?? 0) + 1);
        }
      };
      const done: Array<Promise<void>> = [];
      const loads = replicas.map((r) => {
        let finish!: () => void;
        done.push(new Promise<void>((resolve) => (finish = resolve)));
        return autocannon(
          {
            url: r.url,
            connections: CONNECTIONS,
            duration: 600,
            timeout: 20,
            requests: [
              {
                method: 'POST',
                path: '/api/v1/scans',
                headers: { authorization: `Bearer ${admin.keys[Role.Station]}`, 'content-type': 'application/json' },
                setupRequest: (req: autocannon.Request) => ({
                  ...req,
                  body: JSON.stringify({
                    stationCode: STATIONS[Math.floor(Math.random() * STATIONS.length)],
                    barcode: draining ? 'NO-SUCH-TOKEN' : serials[Math.floor(Math.random() * serials.length)],
                  }),
                }),
                onResponse,
              },
              {
                method: 'GET',
                headers: { authorization: `Bearer ${admin.keys[Role.Viewer]}` },
                setupRequest: (req: autocannon.Request) => ({
                  ...req,
                  path: `/api/v1/dashboard/${DASHBOARD[Math.floor(Math.random() * DASHBOARD.length)]}`,
                }),
                onResponse,
              },
            ],
          },
          () => finish(),
        );
      });
      for (const load of loads) {
        load.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) =>
          latencies[window].push(ms),
        );
        load.on('reqError', () => errors++);
      }
      const finished = Promise.all(done);

      const admins: string[] = [];
      const step = async (label: string, method: string, path: string, body: unknown) => {
        const res = await replicas[admins.length % 2].call(method, path, adminKey, body);
        admins.push(`${label}: ${res.status}${res.body?.status ? ` ${res.body.status}` : ''}`);
        expect({ label, status: res.status }).toEqual({
          label,
          status: method === 'POST' && path.endsWith('enable') ? 200 : 201,
        });
        await sleep(PAUSE_MS);
      };
      try {
        await sleep(BEFORE_MS);
        window = 'during';
        await step('roll back phase 10', 'POST', '/api/v1/admin/rollbacks', { phase: 10, reason: 'load test' });
        await step('enable phase 10', 'POST', '/api/v1/admin/phases/10/enable', { reason: 'load test' });
        await step('roll back phase 8', 'POST', '/api/v1/admin/rollbacks', { phase: 8, reason: 'load test' });
        await step('enable phase 8', 'POST', '/api/v1/admin/phases/8/enable', { reason: 'load test' });
        await step('emergency', 'POST', '/api/v1/admin/rollbacks', { emergency: true, reason: 'load test' });
        for (const { number: phase } of admin.app.get(PhaseRegistry).all())
          await step(`enable phase ${phase}`, 'POST', `/api/v1/admin/phases/${phase}/enable`, { reason: 'load test' });
        window = 'after';
        await sleep(AFTER_MS);
        draining = true;
        await sleep(DRAIN_MS);
      } finally {
        for (const load of loads) load.stop();
        await finished;
      }

      const figures = Object.fromEntries(
        (Object.keys(latencies) as Window[]).map((w) => {
          const sorted = [...latencies[w]].sort((a, b) => a - b);
          const round = (ms: number) => Math.round(ms * 10) / 10;
          return [
            w,
            {
              requests: sorted.length,
              p50Ms: round(percentile(sorted, 50)),
              p99Ms: round(percentile(sorted, 99)),
              statuses: statuses[w],
            },
          ];
        }),
      );
      const report = {
        connections: CONNECTIONS * replicas.length,
        replicas: replicas.length,
        windows: figures,
        admin: admins,
        acceptedScans: [...accepted.values()].reduce((a, b) => a + b, 0),
      };
      mkdirSync(join(PROJECT_ROOT, 'test-output'), { recursive: true });
      writeFileSync(join(PROJECT_ROOT, 'test-output/load-rollback.json'), JSON.stringify(report, null, 2) + '\n');
      console.log(
        `load during rollback (${report.connections} connections on ${replicas.length} replicas):\n` +
          (Object.keys(figures) as Window[])
            .map(
              (w) =>
                `  ${w.padEnd(6)} ${String(figures[w].requests).padStart(6)} requests  p50 ${figures[w].p50Ms} ms  p99 ${figures[w].p99Ms} ms  ${JSON.stringify(statuses[w])}`,
            )
            .join('\n') +
          `\n  ${report.acceptedScans} accepted scans\n  ${admins.join('; ')}`,
      );

      expect(errors).toBe(0);
      expect(undocumented).toEqual([]);
      for (const w of ['before', 'during', 'after'] as Window[]) expect(figures[w].requests).toBeGreaterThan(0);
      expect(report.acceptedScans).toBeGreaterThan(0);

      // every accepted scan wrote exactly one started or completed event, and nothing else did
      const events: Array<{ token_id: number; type: string; node_id: number | null }> = await ds.query(
        `SELECT token_id, type, node_id FROM token_event WHERE id > ? ORDER BY id`,
        [maxEvent],
      );
      const written = new Map<string, number>();
      for (const e of events.filter((e) => e.type === 'started' || e.type === 'completed')) {
        const k = `${e.token_id}:${e.type}`;
        written.set(k, (written.get(k) ?? 0) + 1);
      }
      expect(Object.fromEntries([...written].sort())).toEqual(Object.fromEntries([...accepted].sort()));

      // a token moved twice would show as two starts or two completions in a row, or two moves to the same node in a row
      const twice: string[] = [];
      const byToken = new Map<number, typeof events>();
      for (const e of events) byToken.set(e.token_id, [...(byToken.get(e.token_id) ?? []), e]);
      for (const [token, list] of byToken) {
        const work = list.filter((e) => e.type === 'started' || e.type === 'completed').map((e) => e.type);
        if (work.some((t, i) => i > 0 && t === work[i - 1])) twice.push(`token ${token}: ${work.join(' ')}`);
        const moves = list.filter((e) => e.type === 'routed').map((e) => e.node_id);
        if (moves.some((n, i) => i > 0 && n === moves[i - 1]))
          twice.push(`token ${token}: routed to ${moves.join(' ')}`);
      }
      expect(twice).toEqual([]);
    }, 150_000);
  },
);
