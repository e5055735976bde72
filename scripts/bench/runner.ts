import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { createThrowawayMysqlDatabase } from '../throwaway-mysql-database.js';

/**
 * A small harness for benchmarks: runs one bench on SQLite, then on a throwaway MariaDB
 * server (scripts/mariadb-test-server.sh), and prints the figures side by side. A bench
 * compares itself with a floor measured in the same run, so figures from different
 * machines are never compared with each other.
 */
export interface FreshDatabase {
  /** Environment overrides that point the app at this database. */
  env: EnvironmentInput;
  /** Where a raw driver connects: an SQLite file path or a mysql:// URL. */
  sqlitePath?: string;
  mysqlUrl?: string;
  drop(): Promise<void>;
}

export interface BenchTarget {
  kind: 'sqlite' | 'mysql';
  label: string;
  /** A new, empty database on this target. */
  fresh(): Promise<FreshDatabase>;
}

export type BenchFigures = Record<string, string | number>;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const sqliteTarget: BenchTarget = {
  kind: 'sqlite',
  label: 'SQLite',
  fresh: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-bench-'));
    const path = join(dir, 'bench.sqlite');
    return { env: { DB_TYPE: 'sqlite', DB_PATH: path }, sqlitePath: path, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

/** Starts MariaDB in a bash child that stops it again when its stdin closes (also when we crash). */
async function startMariaDb(): Promise<{ url: string; server: ChildProcessWithoutNullStreams }> {
  const script = `source scripts/mariadb-test-server.sh && mariadb_start >&2 && echo "URL=$TEST_MYSQL_URL" && read -r _; mariadb_stop`;
  const server = spawn('bash', ['-c', script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  server.stderr.on('data', (chunk) => process.stderr.write(chunk));
  const lines = createInterface({ input: server.stdout });
  const url = await new Promise<string>((ok, fail) => {
    lines.on('line', (line) => line.startsWith('URL=') && ok(line.slice(4)));
    server.on('exit', (code) => fail(new Error(`MariaDB did not start (exit ${code})`)));
  });
  return { url, server };
}

function mysqlTarget(serverUrl: string): BenchTarget {
  return {
    kind: 'mysql',
    label: 'MariaDB',
    fresh: async () => {
      const db = await createThrowawayMysqlDatabase(serverUrl, 'pg_bench');
      return { env: { DB_TYPE: 'mysql', DB_URL: db.url }, mysqlUrl: db.url, drop: db.drop };
    },
  };
}

/** Runs `bench` on SQLite and then MariaDB (unless `--sqlite-only`), and prints one table. */
export async function runOnBothDatabases(title: string, bench: (target: BenchTarget) => Promise<BenchFigures>): Promise<void> {
  const results: Array<{ label: string; figures: BenchFigures }> = [];
  process.stderr.write(`${title}: SQLite...\n`);
  results.push({ label: sqliteTarget.label, figures: await bench(sqliteTarget) });
  if (!process.argv.includes('--sqlite-only')) {
    const { url, server } = await startMariaDb();
    try {
      process.stderr.write(`${title}: MariaDB...\n`);
      results.push({ label: 'MariaDB', figures: await bench(mysqlTarget(url)) });
    } finally {
      server.stdin.end();
      await new Promise((ok) => server.once('exit', ok));
    }
  }
  printSideBySide(title, results);
  printFigures(title, results);
}

/** Prefix of the one machine-readable line each bench prints; scripts/bench/all.ts collects them. */
export const FIGURES_PREFIX = 'BENCH_FIGURES ';

export function printFigures(title: string, results: Array<{ label: string; figures: BenchFigures }>): void {
  process.stdout.write(`${FIGURES_PREFIX}${JSON.stringify({ title, results })}\n`);
}

export function printSideBySide(title: string, results: Array<{ label: string; figures: BenchFigures }>): void {
  const metrics = [...new Set(results.flatMap((r) => Object.keys(r.figures)))];
  const rows = [['', ...results.map((r) => r.label)], ...metrics.map((m) => [m, ...results.map((r) => String(r.figures[m] ?? '-'))])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(`\n${title}\n`);
  rows.forEach((r, i) => {
    process.stdout.write(r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  ') + '\n');
    if (i === 0) process.stdout.write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  });
}

/** Wall-clock milliseconds of `work`. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export const perSecond = (count: number, ms: number) => Math.round((count * 1000) / ms);
