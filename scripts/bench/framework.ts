import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { ApiKeysService } from '../../src/common/auth/api-keys.service.js';
import { Role } from '../../src/common/auth/role.js';
import { datetimeColumn, dialectOf, insertChunkRows, toDbTime } from '../../src/database/dialect.js';
import { dropPhaseSchema, phaseSchema } from '../../src/phases/guard/migration-guard.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { JobsService } from '../../src/phases/jobs/jobs.service.js';
import { Phase, PhaseDefinition } from '../../src/phases/phase-definition.js';
import { PhaseRegistry } from '../../src/phases/phase-registry.service.js';
import { PhasesModule } from '../../src/phases/phases.module.js';
import { RollbackService } from '../../src/phases/rollback/rollback.service.js';
import { perSecond, present, runOnBothDatabases, type BenchTarget } from './runner.js';
import { bootBenchApp } from './support/app-context.js';
import { firstSide, interleavedRounds, median, ratioFigure, roundsFromArgs, timePair, type Goal } from './stats.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

/**
 * `npm run bench:framework`: what the phase framework costs and how fast it takes things back.
 * - flag evaluation from the in-memory snapshot vs one database read per call (the floor a
 *   naive implementation pays on every request), in interleaved rounds;
 * - the emergency rollback from the shell, end to end: two replicas (`node dist/bundle/main.js`)
 *   serve a dashboard route; each round switches every flag on, waits until both serve the
 *   new path, runs `rollback --emergency` as a shell command, and polls the route on both
 *   replicas until both serve the legacy path. The lean path (the CLI as the runbook runs it)
 *   and the full one (the same command through the booted application) alternate. Goals: the
 *   lean command within 0.5 s on a quiet host (1-minute load below the CPU count), 1 s on a
 *   loaded one; every replica on the legacy path within FLAG_REFRESH_MS + 0.5 s of the
 *   command's end;
 * - one admin command that boots the application (`flags list`), from the bundle and from tsc's
 *   unbundled build, in interleaved rounds: what the bundle saves each command (no goal);
 * - backup plus guarded schema revert of a phase table of ROWS rows (default 1,000,000):
 *   rows/s of the backup (write + read back) and of the revert (the guard's checksum pass).
 * `--rows N` changes the table size; `--sqlite-only` skips MariaDB.
 */
const ROWS = Number(process.argv[process.argv.indexOf('--rows') + 1]) || 1_000_000;
const FLAG_CALLS = 200_000;
const DB_CALLS = 500;
const FLAG_REFRESH_MS = 1000;
const POLL_MS = 10;
const rounds = roundsFromArgs();

const BENCH_SCHEMA = phaseSchema(95, [{ name: 'bench_event', rebuildable: false }]);

export class Phase95Bench1799500000000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'bench_event',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'note', type: 'varchar', length: '100' },
          { name: 'qty', type: 'integer' },
          { name: 'created_at', ...datetimeColumn(dialectOf(qr)) },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, BENCH_SCHEMA);
  }
}

/** A phase with one big non-rebuildable table, so the revert has to back it up. */
@Phase({ migrations: [Phase95Bench1799500000000] })
class BenchPhase implements PhaseDefinition {
  readonly number = 95;
  readonly key = 'bench';
  readonly title = 'Benchmark phase';
  readonly flags = [{ key: 'bench_enabled', description: 'bench' }];
  readonly jobs = [];
  readonly tables = BENCH_SCHEMA.tables;
  readonly columns = BENCH_SCHEMA.columns;
  readonly dataLossRisk = 'high' as const;
  readonly legacyFallback = 'none';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  inFlight() {
    return Promise.resolve({ count: 0, description: 'none' });
  }

  async verifyLegacy() {
    await this.dataSource.query('SELECT 1');
    return { ok: true, detail: 'database answers' };
  }
}

@Module({ imports: [PhasesModule, TypeOrmModule], providers: [BenchPhase] })
class BenchPhaseModule {}

async function fill(ds: DataSource, rows: number): Promise<void> {
  const chunk = insertChunkRows(dialectOf(ds), 4);
  const at = toDbTime(new Date());
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const params = Array.from({ length: n }, (_, i) => [
      start + i + 1,
      `event ${start + i + 1} on line ${(start + i) % 7}`,
      (start + i) % 1000,
      at,
    ]).flat();
    await ds.query(
      `INSERT INTO bench_event (id, note, qty, created_at) VALUES ${Array(n).fill('(?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

/** Runs a built CLI (a path under the project root) to completion, its output discarded; fails on a non-zero exit. */
function runCli(cli: string, args: string[], env: Record<string, string | undefined>): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, cli), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, JOBS_ENABLED: 'false', LOG_LEVEL: 'error' },
      stdio: 'ignore',
    });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cli} ${args.join(' ')} exited ${code}`))));
  });
}

/** The admin CLI as the runbook runs it; `full` runs the same command through the booted application (support/full-cli.ts). */
function shellEmergency(env: Record<string, string | undefined>, path: 'lean' | 'full'): Promise<void> {
  const cli = path === 'lean' ? 'dist/bundle/cli.js' : 'dist/scripts/bench/support/full-cli.js';
  return runCli(cli, ['rollback', '--emergency', '--reason', 'bench', '--yes', '--json'], env);
}

/**
 * One admin command that boots the application (`flags list`), from the bundle bin/phasegate
 * runs and from tsc's unbundled build of the same code, in interleaved rounds.
 */
async function cliStart(dbEnv: Record<string, string | undefined>) {
  const command = (cli: string) => () => runCli(cli, ['flags', 'list'], dbEnv);
  const figure = (pairs: Array<[number, number]>) =>
    ratioFigure(
      pairs.map(([bundled, unbundled]) => bundled / unbundled),
      null,
    );
  const pairs = await interleavedRounds(
    rounds,
    (i) => timePair(i, command('dist/bundle/cli.js'), command('dist/src/cli.js')),
    (p) => [figure(p).verdict],
  );
  return {
    ratio: figure(pairs),
    bundledMs: median(pairs.map((p) => p[0])),
    unbundledMs: median(pairs.map((p) => p[1])),
  };
}

interface Replica {
  url: string;
  child: ChildProcess;
}

/** `node dist/bundle/main.js` on a free port; resolves once it says where it listens. */
function startReplica(env: Record<string, string | undefined>): Promise<Replica> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/bundle/main.js')], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'log',
      FLAG_REFRESH_MS: String(FLAG_REFRESH_MS),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((ok, fail) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /listening: API http:\/\/localhost:(\d+)\//.exec(out)?.[1];
      if (port) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        ok({ url: `http://127.0.0.1:${port}`, child });
      }
    });
    child.once('exit', (code) => fail(new Error(`replica exited with ${code} before listening: ${out}`)));
  });
}

/** Polls each replica's dashboard route until it answers like `path`; resolves to when the last one did (ms from `since`). */
async function allServe(
  replicas: Replica[],
  key: string,
  path: 'new' | 'legacy',
  since: bigint,
  timeoutMs = 30_000,
): Promise<number> {
  const want = path === 'new' ? 200 : 503;
  await Promise.all(
    replicas.map(async (r) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`${r.url}/api/v1/dashboard/token-flow`, {
          headers: { Authorization: `Bearer ${key}` },
        });
        await res.arrayBuffer();
        if (res.status === want) return;
        if (res.status !== 200 && res.status !== 503) throw new Error(`dashboard answered ${res.status}`);
        if (Date.now() > deadline) throw new Error(`a replica did not serve the ${path} path within ${timeoutMs} ms`);
        await new Promise((w) => setTimeout(w, POLL_MS));
      }
    }),
  );
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** Shell command to every replica on the legacy path, lean and full alternating. */
async function fromTheShell(env: Record<string, string>, dbEnv: Record<string, string | undefined>) {
  const app = await boot(env);
  const replicas: Replica[] = [];
  try {
    const flags = app.get(FlagsService);
    const jobs = app.get(JobsService);
    const change = { actor: 'bench', reason: 'bench round' };
    const keys = app
      .get(PhaseRegistry)
      .flags()
      .map((f) => f.key)
      .filter((k) => k !== 'bench_enabled');
    const { key } = await app.get(ApiKeysService).create('bench-viewer', Role.Viewer);
    replicas.push(await startReplica(dbEnv), await startReplica(dbEnv));
    const quiet = loadavg()[0] < cpus().length;
    const commandGoal: Goal = { op: '<=', value: quiet ? 0.5 : 1 };
    const replicaGoal: Goal = { op: '<=', value: FLAG_REFRESH_MS / 1000 + 0.5 };
    const once = async (path: 'lean' | 'full') => {
      await flags.setMany(keys, true, change);
      for (const { job } of app.get(PhaseRegistry).jobs()) await jobs.resume(job.name, change);
      await allServe(replicas, key, 'new', process.hrtime.bigint());
      const t0 = process.hrtime.bigint();
      await shellEmergency(dbEnv, path);
      const commandMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const totalMs = await allServe(replicas, key, 'legacy', t0);
      return { commandMs, totalMs };
    };
    type Round = { lean: { commandMs: number; totalMs: number }; full: { commandMs: number; totalMs: number } };
    const figures = (samples: Round[]) => ({
      lean: ratioFigure(
        samples.map((r) => r.lean.commandMs / 1000),
        commandGoal,
        '',
      ),
      replicas: ratioFigure(
        samples.map((r) => (r.lean.totalMs - r.lean.commandMs) / 1000),
        replicaGoal,
        '',
      ),
    });
    const samples = await interleavedRounds(
      rounds,
      async (i): Promise<Round> => {
        const first = firstSide(i) === 'a' ? 'lean' : 'full';
        const a = await once(first);
        const b = await once(first === 'lean' ? 'full' : 'lean');
        return first === 'lean' ? { lean: a, full: b } : { lean: b, full: a };
      },
      (s) => Object.values(figures(s)).map((f) => f.verdict),
    );
    return { ...figures(samples), quiet, samples };
  } finally {
    for (const r of replicas) r.child.kill('SIGTERM');
    await app.close();
  }
}

function boot(env: Record<string, string>) {
  return bootBenchApp(AppModule.forRoot(env, { modules: [BenchPhaseModule] }), ['error']);
}

/** Flag checks from the snapshot vs a database read each, in interleaved rounds. */
async function flagChecks(env: Record<string, string>) {
  const app = await boot(env);
  try {
    const ds = app.get(DataSource);
    const flags = app.get(FlagsService);
    await flags.set('bench_enabled', true, { actor: 'bench', reason: 'bench' });
    let on = 0;
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        const [snapshotMs, readMs] = await timePair(
          i,
          () => {
            for (let k = 0; k < FLAG_CALLS; k++) if (flags.isEnabled('bench_enabled')) on++;
            return Promise.resolve();
          },
          async () => {
            for (let k = 0; k < DB_CALLS; k++)
              if (
                (
                  await ds.query<Array<{ enabled: number | boolean }>>(
                    'SELECT enabled FROM feature_flag WHERE `key` = ?',
                    ['bench_enabled'],
                  )
                )[0].enabled
              )
                on++;
          },
        );
        return { snapshotNs: (snapshotMs * 1e6) / FLAG_CALLS, readNs: (readMs * 1e6) / DB_CALLS };
      },
      () => [],
    );
    if (on !== (samples.length + 1) * (FLAG_CALLS + DB_CALLS)) throw new Error('the flag was not on throughout');
    return {
      snapshotNs: median(samples.map((s) => s.snapshotNs)),
      readNs: median(samples.map((s) => s.readNs)),
      ratio: ratioFigure(
        samples.map((s) => s.readNs / s.snapshotNs),
        null,
      ),
    };
  } finally {
    await app.close();
  }
}

/** Fills the bench phase's table, then backs it up and reverts its schema through the guard. */
async function backupAndRevert(env: Record<string, string>) {
  const app = await boot(env);
  try {
    process.stderr.write(`  filling bench_event with ${ROWS} rows...\n`);
    await fill(app.get(DataSource), ROWS);
    const result = await app
      .get(RollbackService)
      .rollback({ phase: 95, revertSchema: true, backup: true, reason: 'bench', actor: 'bench' });
    if (result.status !== 'completed') throw new Error(`bench rollback ${result.status}: ${result.issues.join('; ')}`);
    const step = (name: string) =>
      present(
        present(
          result.steps.find((s) => s.name === name),
          `rollback step ${name}`,
        ).durationMs,
        `duration of rollback step ${name}`,
      );
    return {
      backupMs: step('backup'),
      revertMs: step('revert-schema'),
      totalMs: present(result.durationMs, 'rollback duration'),
    };
  } finally {
    await app.close();
  }
}

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-bench-backups-'));
  const env = {
    ...(db.env as Record<string, string>),
    BACKUP_DIR: backupDir,
    LOG_LEVEL: 'error',
    JOBS_ENABLED: 'false',
    MIGRATE_ON_START: 'true',
  };
  try {
    const f = await flagChecks(env);
    const shell = await fromTheShell(env, db.env);
    const cli = await cliStart(db.env);
    const b = await backupAndRevert(env);
    const seconds = (ms: number[]) => (median(ms) / 1000).toFixed(2);
    return {
      'flag check, snapshot (ns/call, median round)': f.snapshotNs.toFixed(0),
      'flag check, DB read (ns/call, median round)': f.readNs.toFixed(0),
      'DB read / snapshot': f.ratio,
      [`emergency from the shell, lean CLI (s; goal for a ${shell.quiet ? 'quiet' : 'loaded'} host)`]: shell.lean,
      'emergency from the shell, full CLI booting the app (s, median round)': seconds(
        shell.samples.map((r) => r.full.commandMs),
      ),
      'admin command (`flags list`), bundled / unbundled (ms, median round)': `${cli.bundledMs.toFixed(0)} / ${cli.unbundledMs.toFixed(0)}`,
      'admin command, bundled / unbundled': cli.ratio,
      [`every replica legacy after the lean command (s; FLAG_REFRESH_MS ${FLAG_REFRESH_MS})`]: shell.replicas,
      'shell command to every replica legacy, lean / full (s, median round)': `${seconds(shell.samples.map((r) => r.lean.totalMs))} / ${seconds(shell.samples.map((r) => r.full.totalMs))}`,
      [`backup of ${ROWS} rows, write + verify (ms)`]: b.backupMs,
      'backup (rows/s)': perSecond(ROWS, b.backupMs),
      'guarded revert incl. checksum pass (ms)': b.revertMs,
      'guarded revert (rows/s)': perSecond(ROWS, b.revertMs),
      'whole rollback (ms)': b.totalMs,
    };
  } finally {
    rmSync(backupDir, { recursive: true, force: true });
    await db.drop();
  }
}

await runOnBothDatabases(
  `framework: flags, emergency rollback from the shell to two replicas, backup + guarded revert of ${ROWS} rows`,
  bench,
);
