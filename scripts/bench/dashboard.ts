import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { ApiKeysService } from '../../src/common/auth/api-keys.service.js';
import { Role } from '../../src/common/auth/role.js';
import { DashboardRefreshService } from '../../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG, VIEWS } from '../../src/dashboard/dashboard.schema.js';
import { HISTORY_VIEWS } from '../../src/dashboard/view-sql.js';
import { dialectOf, toDbTime } from '../../src/database/dialect.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { NodeKind } from '../../src/production/entities/production-graph.entity.js';
import { GraphsService } from '../../src/production/graphs.service.js';
import { seedPeopleAndJobs, walk, type World } from './support/history.js';
import { present, runOnBothDatabases, timed, type BenchTarget } from './runner.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, timePair } from './stats.js';

/**
 * `npm run bench:dashboard`: 1,000,000 token events generated set-based (tokens walking a
 * six-node line over 30 days), then in rounds: a full refresh of the four views, then an
 * incremental one after 1% more events (the last hour's work; it needs the full refresh
 * before it, so these two do not swap places). Each round first deletes the events and tokens
 * the round before added: they sit in the same recent hours, so keeping them would grow every
 * round's incremental work by another 1%. And, in interleaved rounds, dashboard reads
 * over HTTP under load against the same token-flow aggregate computed live from token_event
 * per request (run straight on the database, which only flatters the live side). Goals:
 * incremental at most 5% of full; reads at least 50x faster than live.
 */
// `--events=N` for a quick trial run
const EVENTS = Number(process.argv.find((a) => a.startsWith('--events='))?.slice('--events='.length) ?? 1_000_000);
const DONE_SHARE = 0.97;
// a finished walk has 17 events; an open one 1 + 3m + s with m in 0..4, s in 0..1: 7.5 on average
const TOKENS = Math.ceil(EVENTS / (17 * DONE_SHARE + 7.5 * (1 - DONE_SHARE)));
const NEW_TOKENS = Math.ceil((EVENTS * 0.01) / 17);
const CLIENTS = 4;
const READ_SECONDS = 1;
const rounds = roundsFromArgs();
const HOUR = 3_600_000;

async function seedWorld(app: NestExpressApplication, ds: DataSource): Promise<World> {
  const codes = ['S', 'W1', 'W2', 'W3', 'W4', 'E'];
  const graph = await app.get(GraphsService).create({
    code: 'BENCH',
    name: 'bench line',
    nodes: codes.map((code, i) => ({
      code,
      name: code,
      kind: i === 0 ? NodeKind.Start : i === codes.length - 1 ? NodeKind.End : NodeKind.Work,
    })),
    edges: codes.slice(1).map((to, i) => ({ from: codes[i], to })),
  });
  const nodes = codes.map(
    (code) =>
      present(
        graph.nodes.find((n) => n.code === code),
        `node ${code}`,
      ).id,
  );
  return seedPeopleAndJobs(ds, graph.graph.id, nodes, { prefix: 'B', jobStatus: 'in_progress' });
}

/** Latencies (ms) of `request` from `clients` concurrent loops, each running `rounds` times or until `untilMs`. */
async function load(
  clients: number,
  request: () => Promise<void>,
  limit: { rounds?: number; untilMs?: number },
): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let round = 0; limit.rounds === undefined || round < limit.rounds; round++) {
        if (limit.untilMs !== undefined && Date.now() >= limit.untilMs) break;
        latencies.push(await timed(request));
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)];
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const ms = (value: number) => Math.round(value);

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const app = await createApp({ ...db.env, LOG_LEVEL: 'error', JOBS_ENABLED: 'false' });
  await app.listen(0, '127.0.0.1');
  try {
    const ds = app.get(DataSource);
    const world = await seedWorld(app, ds);
    const now = Date.now();
    const generateMs = await timed(() =>
      walk(ds, world, TOKENS, new Date(now - 30 * 24 * HOUR), 30 * 24 * HOUR - 12 * HOUR, HOUR, DONE_SHARE),
    );
    const countEvents = async () =>
      Number((await ds.query<Array<{ total: number | string }>>(`SELECT COUNT(*) AS total FROM token_event`))[0].total);
    const events = await countEvents();
    await app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'bench', reason: 'dashboard benchmark' });
    const refresher = app.get(DashboardRefreshService);
    const share = { op: '<=' as const, value: 0.05 };
    const faster = { op: '>=' as const, value: 50 };
    // per view, in VIEWS order: flow summary, bottlenecks, team workload, cycle times
    const perView = async (): Promise<number[]> => {
      // duration_ms is null until a view's first refresh
      const rows = await ds.query<Array<{ view_name: string; duration_ms: number | null }>>(
        `SELECT view_name, duration_ms FROM mv_refresh_state`,
      );
      return VIEWS.map((view) =>
        Number(
          present(
            rows.find((r) => r.view_name === view),
            `refresh state of ${view}`,
          ).duration_ms,
        ),
      );
    };

    const lastIds = async () =>
      (
        await ds.query<Array<{ event: number | string; token: number | string }>>(
          `SELECT (SELECT MAX(id) FROM token_event) AS event, (SELECT MAX(id) FROM token) AS token`,
        )
      )[0];
    const history = await lastIds();
    const refreshes = await interleavedRounds(
      rounds,
      async () => {
        await ds.query(`DELETE FROM token_event WHERE id > ?`, [history.event]);
        await ds.query(`DELETE FROM token WHERE id > ?`, [history.token]);
        const fullMs = await timed(() => refresher.refresh({ full: true }));
        const fullViews = await perView();
        const before = await countEvents();
        await walk(ds, world, NEW_TOKENS, new Date(Date.now() - HOUR), HOUR / 2, HOUR / 24, 1);
        const added = (await countEvents()) - before;
        const incrementalMs = await timed(() => refresher.refresh({ full: false }));
        return { fullMs, fullViews, incrementalMs, incrementalViews: await perView(), added };
      },
      (r) => [
        ratioFigure(
          r.map((x) => x.incrementalViews[0] / x.fullViews[0]),
          share,
          '%',
        ).verdict,
      ],
    );
    const middle = refreshes[refreshes.length >> 1];

    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/api/v1/dashboard`;
    const { key } = await app.get(ApiKeysService).create('bench-viewer', Role.Viewer);
    const from = new Date(Date.now() - 24 * HOUR);
    const read = async () => {
      const res = await fetch(`${base}/token-flow?from=${from.toISOString()}`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      if (res.status !== 200) throw new Error(`token-flow answered ${res.status}`);
      await res.json();
    };
    // the refresh's own statement, run as a plain SELECT and cut to the same 24 hours
    // one chunk over all history, carrying wip from a generation that holds no rows
    const statement = HISTORY_VIEWS.mv_token_flow_summary.chunk(
      {
        dialect: dialectOf(ds),
        generation: -1,
        kept: null,
        watermark: Number.MAX_SAFE_INTEGER,
        windowStart: from,
        windowEnd: new Date(),
      },
      { from: new Date(0), until: null },
    );
    const select = statement.sql.replace(/^\s*INSERT INTO mv_token_flow_summary \([^)]*\)/, '');
    if (select === statement.sql) throw new Error('the token-flow statement no longer starts with its INSERT');
    const live = async () => {
      await ds.query(`SELECT * FROM (${select}) live WHERE bucket_start >= ?`, [...statement.params, toDbTime(from)]);
    };

    await read();
    const readsVsLive = await interleavedRounds(
      rounds,
      async (i) => {
        let reads: number[] = [];
        let lives: number[] = [];
        await timePair(
          i,
          async () => (reads = await load(CLIENTS, read, { untilMs: Date.now() + READ_SECONDS * 1000 })),
          async () => (lives = await load(CLIENTS, live, { rounds: 1 })),
        );
        return { reads, lives };
      },
      (r) => [
        ratioFigure(
          r.map((x) => mean(x.lives) / mean(x.reads)),
          faster,
        ).verdict,
      ],
    );
    const reads = readsVsLive.flatMap((r) => r.reads).sort((a, b) => a - b);
    const lives = readsVsLive.flatMap((r) => r.lives);
    return {
      'token events': events,
      'generate (s)': (generateMs / 1000).toFixed(1),
      'full refresh, 4 views (ms, median round)': ms(median(refreshes.map((r) => r.fullMs))),
      '  flow/bottlenecks/teams/cycles (ms), one round': middle.fullViews.join('/'),
      'new events (incremental)': middle.added,
      'incremental refresh, 4 views (ms, median round)': ms(median(refreshes.map((r) => r.incrementalMs))),
      '  flow/bottlenecks/teams/cycles (ms), one round ': middle.incrementalViews.join('/'),
      'flow summary incr/full': ratioFigure(
        refreshes.map((r) => r.incrementalViews[0] / r.fullViews[0]),
        share,
        '%',
      ),
      '4 views incr/full': ratioFigure(
        refreshes.map((r) => r.incrementalMs / r.fullMs),
        null,
        '%',
      ),
      [`read token-flow p50/p95 (ms), ${CLIENTS} clients`]: `${pct(reads, 50).toFixed(1)}/${pct(reads, 95).toFixed(1)}`,
      'reads/s': Math.round(reads.length / (readsVsLive.length * READ_SECONDS)),
      [`live token-flow mean (ms), ${CLIENTS} clients`]: ms(mean(lives)),
      'live/read mean latency': ratioFigure(
        readsVsLive.map((x) => mean(x.lives) / mean(x.reads)),
        faster,
      ),
    };
  } finally {
    await app.close();
    await db.drop();
  }
}

await runOnBothDatabases(`dashboard: ${EVENTS.toLocaleString('en')} token events`, bench);
