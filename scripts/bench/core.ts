import 'reflect-metadata';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { insertChunkRows, toDbTime, type Dialect } from '../../src/database/dialect.js';
import { DagRoutingService } from '../../src/production/dag-routing.service.js';
import { TokenLifecycleService, tokenSerial } from '../../src/production/token-lifecycle.service.js';
import { perSecond, runOnBothDatabases, timed, type BenchTarget, type FreshDatabase } from './runner.js';
import { bootMigratedApp, type BenchApp as App } from './support/app-context.js';
import { releasedJob, setUpRouteGraph, type ReleasedJob, type RouteGraph } from './support/route-graph.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, timePair } from './stats.js';

/**
 * `npm run bench:core`: jobs of TOKENS tokens spawned and every token moved once through the
 * real services, against the same rows inserted and updated straight through the driver (the
 * floor), on one database with the app and the raw connection both open, in interleaved
 * rounds (a job each side per round). Goals: spawn at >= 50% of the floor's throughput, a
 * move at <= 3x the floor's cost.
 */
const TOKENS = Number(process.env.BENCH_CORE_TOKENS ?? 1_000);
const rounds = roundsFromArgs();

type Setup = RouteGraph;
type Job = ReleasedJob;

async function bootAndSetUp(db: FreshDatabase) {
  const app = await bootMigratedApp(db.env);
  return { app, setup: await setUpRouteGraph(app) };
}

/** Spawn and moves through the framework's services. */
async function framework(app: App, setup: Setup, job: Job): Promise<{ spawnMs: number; moveMs: number }> {
  const spawnMs = await timed(() => app.get(TokenLifecycleService).spawnTokens(job.id));
  const ids = await app
    .get(DataSource)
    .query<Array<{ id: number }>>(`SELECT id FROM token WHERE job_id = ? ORDER BY id`, [job.id]);
  const routing = app.get(DagRoutingService);
  const moveMs = await timed(async () => {
    for (const { id } of ids) await routing.routeToNode(id, setup.nextId);
  });
  return { spawnMs, moveMs };
}

/** The few calls the floor needs, straight on the driver. */
interface RawDriver {
  dialect: Dialect;
  run(sql: string, params?: unknown[]): Promise<void>;
  all(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

async function rawDriver(db: FreshDatabase): Promise<RawDriver> {
  if (db.sqlitePath !== undefined) {
    const sqlite = new Database(db.sqlitePath, { timeout: 10_000 });
    // the pragmas TypeORM's driver sets, so the floor works on the same footing
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('journal_mode = WAL');
    const statements = new Map<string, Database.Statement>();
    const prepared = (sql: string) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    };
    // better-sqlite3 is synchronous; the promises keep one interface with mysql2
    return {
      dialect: 'sqlite',
      run: (sql, params = []) => {
        prepared(sql).run(...params);
        return Promise.resolve();
      },
      all: (sql, params = []) => Promise.resolve(prepared(sql).all(...params) as Array<Record<string, unknown>>),
      close: () => {
        sqlite.close();
        return Promise.resolve();
      },
    };
  }
  const conn = await createConnection({ uri: db.mysqlUrl, timezone: 'Z' });
  return {
    dialect: 'mysql',
    run: async (sql, params = []) => {
      await conn.query(sql, params);
    },
    all: async (sql, params = []) => (await conn.query(sql, params))[0] as Array<Record<string, unknown>>,
    close: () => conn.end(),
  };
}

/** The same statements the services issue for a spawn and a move, minus the framework. */
async function floor(raw: RawDriver, setup: Setup, job: Job): Promise<{ spawnMs: number; moveMs: number }> {
  const begin = raw.dialect === 'mysql' ? 'START TRANSACTION' : 'BEGIN';
  const spawnMs = await timed(async () => {
    const now = toDbTime(new Date());
    await raw.run(begin);
    await raw.run(
      `UPDATE job_ticket SET status = 'in_progress', open_tokens = quantity, updated_at = ? WHERE id = ? AND status = 'released'`,
      [now, job.id],
    );
    const chunk = insertChunkRows(raw.dialect, 7);
    for (let first = 1; first <= TOKENS; first += chunk) {
      const count = Math.min(chunk, TOKENS - first + 1);
      const params: unknown[] = [];
      for (let i = first; i < first + count; i++)
        params.push(tokenSerial(job.code, i, TOKENS), job.id, setup.startId, 'waiting', 1, now, now);
      await raw.run(
        `INSERT INTO token (serial, job_id, current_node_id, status, version, created_at, updated_at) VALUES ${Array(count).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        params,
      );
    }
    const ids = await raw.all(`SELECT id, serial FROM token WHERE job_id = ? ORDER BY id`, [job.id]);
    await raw.run(`UPDATE token SET assigned_account_id = ?, assigned_team_id = ? WHERE job_id = ?`, [
      setup.operatorId,
      null,
      job.id,
    ]);
    const events = ids.flatMap((t) => [
      [t.id, 'spawned', setup.startId, null, now, null],
      [
        t.id,
        'assigned',
        setup.startId,
        setup.operatorId,
        now,
        JSON.stringify({
          accountId: setup.operatorId,
          teamId: null,
          path: 'manual',
        }),
      ],
    ]);
    await insertEvents(raw, events);
    await raw.run('COMMIT');
  });
  const tokens = await raw.all(`SELECT id, version FROM token WHERE job_id = ? ORDER BY id`, [job.id]);
  const moveMs = await timed(async () => {
    for (const t of tokens) {
      const now = toDbTime(new Date());
      await raw.run(begin);
      await raw.run(
        `UPDATE token SET current_node_id = ?, status = ?, assigned_account_id = ?, assigned_team_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
        [setup.nextId, 'waiting', setup.operatorId, null, now, t.id, t.version],
      );
      await insertEvents(raw, [
        [t.id, 'routed', setup.nextId, null, now, JSON.stringify({ fromNodeId: setup.startId, outcome: null })],
        [
          t.id,
          'assigned',
          setup.nextId,
          setup.operatorId,
          now,
          JSON.stringify({
            accountId: setup.operatorId,
            teamId: null,
            path: 'manual',
          }),
        ],
      ]);
      await raw.run('COMMIT');
    }
  });
  return { spawnMs, moveMs };
}

async function insertEvents(raw: RawDriver, rows: unknown[][]): Promise<void> {
  const chunk = insertChunkRows(raw.dialect, 6);
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await raw.run(
      `INSERT INTO token_event (token_id, type, node_id, operator_id, occurred_at, payload) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      part.flat(),
    );
  }
}

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const { app, setup } = await bootAndSetUp(db);
  const raw = await rawDriver(db);
  try {
    const spawnShare = { op: '>=' as const, value: 0.5 };
    const routeCost = { op: '<=' as const, value: 3 };
    type Round = {
      spawn: number;
      route: number;
      frameworkMs: number;
      floorMs: number;
    };
    const figures = (samples: Round[]) => ({
      spawn: ratioFigure(
        samples.map((s) => s.spawn),
        spawnShare,
        '%',
      ),
      route: ratioFigure(
        samples.map((s) => s.route),
        routeCost,
        'x',
      ),
    });
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        const ours = await releasedJob(app, setup, `JB-${i + 1}`, TOKENS);
        const theirs = await releasedJob(app, setup, `JF-${i + 1}`, TOKENS);
        let f = { spawnMs: 0, moveMs: 0 };
        let r = { spawnMs: 0, moveMs: 0 };
        await timePair(
          i,
          async () => (f = await framework(app, setup, ours)),
          async () => (r = await floor(raw, setup, theirs)),
        );
        return {
          spawn: r.spawnMs / f.spawnMs,
          route: f.moveMs / r.moveMs,
          frameworkMs: f.moveMs,
          floorMs: r.moveMs,
        };
      },
      (s) => Object.values(figures(s)).map((f) => f.verdict),
    );
    const { spawn, route } = figures(samples);
    const per = (ms: number[]) => perSecond(TOKENS, median(ms));
    return {
      'tokens per round and side': TOKENS,
      'route moves/s (median round)': per(samples.map((s) => s.frameworkMs)),
      'route floor moves/s (median round)': per(samples.map((s) => s.floorMs)),
      'spawn vs floor': spawn,
      'route cost vs floor': route,
    };
  } finally {
    await raw.close();
    await app.close();
    await db.drop();
  }
}

await runOnBothDatabases(`core: jobs of ${TOKENS} tokens spawned and routed, framework vs floor, interleaved`, bench);
