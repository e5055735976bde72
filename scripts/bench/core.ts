import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { insertChunkRows, toDbTime, type Dialect } from '../../src/database/dialect.js';
import { AccountsService } from '../../src/production/accounts.service.js';
import { AssignmentPlansService } from '../../src/production/assignment-plans.service.js';
import { DagRoutingService } from '../../src/production/dag-routing.service.js';
import { NodeKind } from '../../src/production/entities/production-graph.entity.js';
import { GraphsService } from '../../src/production/graphs.service.js';
import { JobsService } from '../../src/production/jobs.service.js';
import { TokenLifecycleService, tokenSerial } from '../../src/production/token-lifecycle.service.js';
import { perSecond, runOnBothDatabases, timed, type BenchTarget, type FreshDatabase } from './runner.js';

/**
 * `npm run bench:core`: spawn one job of 10,000 tokens and make 10,000 moves through the
 * real services, then the same rows inserted and updated straight through the driver (the
 * floor), on SQLite and on MariaDB. Goals: spawn at >= 50% of the floor's throughput, a move
 * at <= 3x the floor's cost.
 */
const TOKENS = 10_000;

interface Setup {
  jobId: number;
  jobCode: string;
  startId: number;
  nextId: number;
  operatorId: number;
}

/** Boots the app on `db`, builds the bench graph, plans and a released job through the services. */
async function bootAndSetUp(db: FreshDatabase) {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ ...db.env, LOG_LEVEL: 'error', MIGRATE_ON_START: 'true', JOBS_ENABLED: 'false' }), {
    logger: ['error'],
  });
  const graphs = app.get(GraphsService);
  const graph = await graphs.create({
    code: 'BENCH',
    name: 'bench',
    nodes: [
      { code: 'S', name: 'S', kind: NodeKind.Start },
      { code: 'A', name: 'A', kind: NodeKind.Work },
      { code: 'E', name: 'E', kind: NodeKind.End },
    ],
    edges: [
      { from: 'S', to: 'A' },
      { from: 'A', to: 'E' },
    ],
  });
  const node = new Map(graph.nodes.map((n) => [n.code, n.id]));
  const operator = await app.get(AccountsService).createOperator({ code: 'OP-B', name: 'bench' });
  const plans = app.get(AssignmentPlansService);
  await plans.setNodePlan(node.get('S')!, { operatorCode: 'OP-B' });
  await plans.setNodePlan(node.get('A')!, { operatorCode: 'OP-B' });
  const jobs = app.get(JobsService);
  const job = await jobs.create({ code: 'JB', graphId: graph.graph.id, productCode: 'P', quantity: TOKENS });
  await jobs.release(job.id);
  const setup: Setup = { jobId: job.id, jobCode: job.code, startId: node.get('S')!, nextId: node.get('A')!, operatorId: operator.id };
  return { app, setup };
}

async function framework(db: FreshDatabase): Promise<{ spawnMs: number; moveMs: number }> {
  const { app, setup } = await bootAndSetUp(db);
  try {
    const spawnMs = await timed(() => app.get(TokenLifecycleService).spawnTokens(setup.jobId));
    const ids: Array<{ id: number }> = await app.get(DataSource).query(`SELECT id FROM token WHERE job_id = ? ORDER BY id`, [setup.jobId]);
    const routing = app.get(DagRoutingService);
    const moveMs = await timed(async () => {
      for (const { id } of ids) await routing.routeToNode(Number(id), setup.nextId);
    });
    return { spawnMs, moveMs };
  } finally {
    await app.close();
  }
}

/** The few calls the floor needs, straight on the driver. */
interface RawDriver {
  dialect: Dialect;
  run(sql: string, params?: unknown[]): Promise<void>;
  all(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

async function rawDriver(db: FreshDatabase): Promise<RawDriver> {
  if (db.sqlitePath) {
    const sqlite = new Database(db.sqlitePath, { timeout: 10_000 });
    // the pragmas TypeORM's driver sets, so the floor works on the same footing
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('journal_mode = WAL');
    const statements = new Map<string, Database.Statement>();
    const prepared = (sql: string) => statements.get(sql) ?? statements.set(sql, sqlite.prepare(sql)).get(sql)!;
    return {
      dialect: 'sqlite',
      run: async (sql, params = []) => void prepared(sql).run(...params),
      all: async (sql, params = []) => prepared(sql).all(...params) as Array<Record<string, unknown>>,
      close: async () => void sqlite.close(),
    };
  }
  const conn = await createConnection({ uri: db.mysqlUrl!, timezone: 'Z' });
  return {
    dialect: 'mysql',
    run: async (sql, params = []) => void (await conn.query(sql, params)),
    all: async (sql, params = []) => (await conn.query(sql, params))[0] as Array<Record<string, unknown>>,
    close: () => conn.end(),
  };
}

/** The same statements the services issue for a spawn and a move, minus the framework. */
async function floor(db: FreshDatabase): Promise<{ spawnMs: number; moveMs: number }> {
  const { app, setup } = await bootAndSetUp(db);
  await app.close();
  const raw = await rawDriver(db);
  const begin = raw.dialect === 'mysql' ? 'START TRANSACTION' : 'BEGIN';
  try {
    const spawnMs = await timed(async () => {
      const now = toDbTime(new Date());
      await raw.run(begin);
      await raw.run(`UPDATE job_ticket SET status = 'in_progress', open_tokens = quantity, updated_at = ? WHERE id = ? AND status = 'released'`, [now, setup.jobId]);
      const chunk = insertChunkRows(raw.dialect, 7);
      for (let first = 1; first <= TOKENS; first += chunk) {
        const count = Math.min(chunk, TOKENS - first + 1);
        const params: unknown[] = [];
        for (let i = first; i < first + count; i++) params.push(tokenSerial(setup.jobCode, i, TOKENS), setup.jobId, setup.startId, 'waiting', 1, now, now);
        await raw.run(`INSERT INTO token (serial, job_id, current_node_id, status, version, created_at, updated_at) VALUES ${Array(count).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`, params);
      }
      const ids = await raw.all(`SELECT id, serial FROM token WHERE job_id = ? ORDER BY id`, [setup.jobId]);
      await raw.run(`UPDATE token SET assigned_account_id = ?, assigned_team_id = ? WHERE job_id = ?`, [setup.operatorId, null, setup.jobId]);
      const events = ids.flatMap((t) => [
        [t.id, 'spawned', setup.startId, null, now, null],
        [t.id, 'assigned', setup.startId, setup.operatorId, now, JSON.stringify({ accountId: setup.operatorId, teamId: null, path: 'manual' })],
      ]);
      await insertEvents(raw, events);
      await raw.run('COMMIT');
    });
    const tokens = await raw.all(`SELECT id, version FROM token WHERE job_id = ? ORDER BY id`, [setup.jobId]);
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
          [t.id, 'assigned', setup.nextId, setup.operatorId, now, JSON.stringify({ accountId: setup.operatorId, teamId: null, path: 'manual' })],
        ]);
        await raw.run('COMMIT');
      }
    });
    return { spawnMs, moveMs };
  } finally {
    await raw.close();
  }
}

async function insertEvents(raw: RawDriver, rows: unknown[][]): Promise<void> {
  const chunk = insertChunkRows(raw.dialect, 6);
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await raw.run(`INSERT INTO token_event (token_id, type, node_id, operator_id, occurred_at, payload) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`, part.flat());
  }
}

async function bench(target: BenchTarget) {
  const measure = async (run: (db: FreshDatabase) => Promise<{ spawnMs: number; moveMs: number }>) => {
    const db = await target.fresh();
    try {
      return await run(db);
    } finally {
      await db.drop();
    }
  };
  const core = await measure(framework);
  const raw = await measure(floor);
  const spawnRate = perSecond(TOKENS, core.spawnMs);
  const floorSpawnRate = perSecond(TOKENS, raw.spawnMs);
  const moveRate = perSecond(TOKENS, core.moveMs);
  const floorMoveRate = perSecond(TOKENS, raw.moveMs);
  return {
    'spawn tokens/s': spawnRate,
    'spawn floor tokens/s': floorSpawnRate,
    'spawn vs floor (goal >= 50%)': `${Math.round((100 * spawnRate) / floorSpawnRate)}%`,
    'route moves/s': moveRate,
    'route floor moves/s': floorMoveRate,
    'route cost vs floor (goal <= 3x)': `${(core.moveMs / raw.moveMs).toFixed(2)}x`,
  };
}

await runOnBothDatabases(`core: spawn ${TOKENS} tokens, route ${TOKENS} moves`, bench);
