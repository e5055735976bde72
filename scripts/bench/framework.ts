import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { datetimeColumn, dialectOf, insertChunkRows, toDbTime } from '../../src/database/dialect.js';
import { dropPhaseSchema, phaseSchema } from '../../src/phases/guard/migration-guard.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { Phase, PhaseDefinition } from '../../src/phases/phase-definition.js';
import { PhasesModule } from '../../src/phases/phases.module.js';
import { RollbackService } from '../../src/phases/rollback/rollback.service.js';
import { perSecond, runOnBothDatabases, timed, type BenchTarget } from './runner.js';

/**
 * `npm run bench:framework`: what the phase framework costs and how fast it takes things back.
 * - flag evaluation from the in-memory snapshot vs one database read per call (the floor a
 *   naive implementation pays on every request);
 * - emergency rollback wall time in process and through the CLI (a fresh `node` process),
 *   against the runbook's ~5 minute budget;
 * - backup plus guarded schema revert of a phase table of ROWS rows (default 1,000,000):
 *   rows/s of the backup (write + read back) and of the revert (the guard's checksum pass).
 * `--rows N` changes the table size; `--sqlite-only` skips MariaDB.
 */
const ROWS = Number(process.argv[process.argv.indexOf('--rows') + 1]) || 1_000_000;
const FLAG_CALLS = 1_000_000;
const DB_CALLS = 2_000;
const RUNBOOK_BUDGET_MS = 5 * 60_000;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

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

  async inFlight() {
    return { count: 0, description: 'none' };
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
    const params = Array.from({ length: n }, (_, i) => [start + i + 1, `event ${start + i + 1} on line ${(start + i) % 7}`, (start + i) % 1000, at]).flat();
    await ds.query(`INSERT INTO bench_event (id, note, qty, created_at) VALUES ${Array(n).fill('(?, ?, ?, ?)').join(', ')}`, params);
  }
}

function cliEmergencyMs(env: Record<string, string | undefined>): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(root, 'dist/src/cli.js'), 'rollback', '--emergency', '--reason', 'bench', '--yes', '--json'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, JOBS_ENABLED: 'false', LOG_LEVEL: 'error' },
      stdio: 'ignore',
    });
    child.on('exit', (code) => (code === 0 ? ok(Number(process.hrtime.bigint() - started) / 1e6) : fail(new Error(`CLI emergency rollback exited ${code}`))));
  });
}

function boot(env: Record<string, string>) {
  return NestFactory.createApplicationContext(AppModule.forRoot(env, { modules: [BenchPhaseModule] }), { logger: ['error'] });
}

/** Flag checks from the snapshot vs a database read each, and the in-process emergency rollback. */
async function flagsAndEmergency(env: Record<string, string>) {
  const app = await boot(env);
  try {
    const ds = app.get(DataSource);
    const flags = app.get(FlagsService);
    const change = { actor: 'bench', reason: 'bench' };
    await flags.set('bench_enabled', true, change);
    let on = 0;
    const snapshotMs = await timed(async () => {
      for (let i = 0; i < FLAG_CALLS; i++) if (flags.isEnabled('bench_enabled')) on++;
    });
    const readMs = await timed(async () => {
      for (let i = 0; i < DB_CALLS; i++) if ((await ds.query('SELECT enabled FROM feature_flag WHERE `key` = ?', ['bench_enabled']))[0].enabled) on++;
    });
    if (on !== FLAG_CALLS + DB_CALLS) throw new Error('the flag was not on throughout');
    const emergencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      await flags.set('bench_enabled', true, change);
      emergencies.push(await timed(() => app.get(RollbackService).rollback({ emergency: true, reason: 'bench', actor: 'bench' })));
    }
    return { snapshotNs: (snapshotMs * 1e6) / FLAG_CALLS, readNs: (readMs * 1e6) / DB_CALLS, emergencyMs: emergencies.sort((a, b) => a - b)[2] };
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
    const result = await app.get(RollbackService).rollback({ phase: 95, revertSchema: true, backup: true, reason: 'bench', actor: 'bench' });
    if (result.status !== 'completed') throw new Error(`bench rollback ${result.status}: ${result.issues.join('; ')}`);
    const step = (name: string) => result.steps.find((s) => s.name === name)!.durationMs!;
    return { backupMs: step('backup'), revertMs: step('revert-schema'), totalMs: result.durationMs! };
  } finally {
    await app.close();
  }
}

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-bench-backups-'));
  const env = { ...(db.env as Record<string, string>), BACKUP_DIR: backupDir, LOG_LEVEL: 'error', JOBS_ENABLED: 'false', MIGRATE_ON_START: 'true' };
  try {
    const f = await flagsAndEmergency(env);
    const cliMs = await cliEmergencyMs(db.env);
    const b = await backupAndRevert(env);
    return {
      'flag check, snapshot (ns/call)': f.snapshotNs.toFixed(0),
      'flag check, DB read (ns/call)': f.readNs.toFixed(0),
      'DB read / snapshot (x)': Math.round(f.readNs / f.snapshotNs),
      'emergency in process (ms, median of 5)': f.emergencyMs.toFixed(1),
      'emergency via CLI incl. node start (ms)': cliMs.toFixed(0),
      '5 min runbook budget / CLI emergency (x)': Math.round(RUNBOOK_BUDGET_MS / cliMs),
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

await runOnBothDatabases(`framework: flags, emergency rollback, backup + guarded revert of ${ROWS} rows`, bench);
