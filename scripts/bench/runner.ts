import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { createThrowawayMysqlDatabase } from '../throwaway-mysql-database.js';
import { formatRatio, isRatioFigure, type RatioFigure } from './stats.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

/**
 * A small harness for benchmarks: runs one bench on SQLite, then on MariaDB, and prints the
 * figures side by side with the machine's load before and after each. MariaDB is a throwaway
 * server (scripts/mariadb-test-server.sh) unless BENCH_MYSQL_URL names a running one (an
 * admin URL: each run creates and drops its own database there). A bench compares itself
 * with a floor measured in the same run, in interleaved rounds (scripts/bench/stats.ts), so
 * figures from different machines are never compared with each other.
 */
export type FreshDatabase = {
  /** Environment overrides that point the app at this database. */
  env: EnvironmentInput;
  drop(): Promise<void>;
} & /* where a raw driver connects: an SQLite file path or a mysql:// URL */ (
  { sqlitePath: string; mysqlUrl?: undefined } | { mysqlUrl: string; sqlitePath?: undefined }
);

export interface BenchTarget {
  kind: 'sqlite' | 'mysql';
  label: string;
  /** A new, empty database on this target. */
  fresh(): Promise<FreshDatabase>;
}

export type BenchFigures = Record<string, string | number | RatioFigure>;

/** The 1-minute load average when a bench started on a database and when it finished. */
export interface LoadSeen {
  before: number;
  after: number;
}

export interface BenchResult {
  label: string;
  figures: BenchFigures;
  load: LoadSeen;
}

/** What printFigures writes after FIGURES_PREFIX, as JSON. */
export interface FiguresLine {
  title: string;
  results: BenchResult[];
}

const load1 = () => Number(loadavg()[0].toFixed(2));

const sqliteTarget: BenchTarget = {
  kind: 'sqlite',
  label: 'SQLite',
  fresh: () => {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-bench-'));
    const path = join(dir, 'bench.sqlite');
    return Promise.resolve({
      env: { DB_TYPE: 'sqlite', DB_PATH: path },
      sqlitePath: path,
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
};

/** Starts MariaDB in a bash child that stops it again when its stdin closes (also when we crash). */
async function startMariaDb(): Promise<{
  url: string;
  server: ChildProcessWithoutNullStreams;
}> {
  const script = `source scripts/mariadb-test-server.sh && mariadb_start >&2 && echo "URL=$TEST_MYSQL_URL" && read -r _; mariadb_stop`;
  const server = spawn('bash', ['-c', script], {
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  server.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
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
      return {
        env: { DB_TYPE: 'mysql', DB_URL: db.url },
        mysqlUrl: db.url,
        drop: () => db.drop(),
      };
    },
  };
}

async function measured(
  target: BenchTarget,
  title: string,
  bench: (target: BenchTarget) => Promise<BenchFigures>,
): Promise<BenchResult> {
  process.stderr.write(`${title}: ${target.label}... (load ${load1()})\n`);
  const before = load1();
  const figures = await bench(target);
  return { label: target.label, figures, load: { before, after: load1() } };
}

/** Runs `bench` on SQLite and then MariaDB (unless `--sqlite-only`; `--mysql-only` skips SQLite), and prints one table. */
export async function runOnBothDatabases(
  title: string,
  bench: (target: BenchTarget) => Promise<BenchFigures>,
): Promise<void> {
  const results: BenchResult[] = [];
  if (!process.argv.includes('--mysql-only')) results.push(await measured(sqliteTarget, title, bench));
  if (!process.argv.includes('--sqlite-only')) {
    let serverUrl = process.env.BENCH_MYSQL_URL;
    let started: Awaited<ReturnType<typeof startMariaDb>> | null = null;
    if (!serverUrl) {
      started = await startMariaDb();
      serverUrl = started.url;
    }
    try {
      results.push(await measured(mysqlTarget(serverUrl), title, bench));
    } finally {
      if (started) {
        started.server.stdin.end();
        await new Promise((ok) => started.server.once('exit', ok));
      }
    }
  }
  printSideBySide(title, results);
  printInconclusive(results);
  printFigures(title, results);
}

/** Prints the cell of a figure: a ratio as its median, interval, rounds and verdict. */
export function cell(value: BenchFigures[string] | undefined): string {
  if (value === undefined) return '-';
  if (isRatioFigure(value)) return `${formatRatio(value)}${value.verdict ? ` ${value.verdict}` : ''}`;
  return String(value);
}

function printInconclusive(results: BenchResult[]): void {
  for (const r of results) {
    const open = Object.entries(r.figures).filter(([, f]) => isRatioFigure(f) && f.verdict === 'inconclusive');
    for (const [name] of open) {
      process.stdout.write(
        `inconclusive on ${r.label}: ${name} (load ${r.load.before} -> ${r.load.after} on ${cpuCount()} CPUs): rerun on a quieter host, or with --until-stable\n`,
      );
    }
  }
}

export const cpuCount = () => cpus().length;

/** Prefix of the one machine-readable line each bench prints; scripts/bench/all.ts collects them. */
export const FIGURES_PREFIX = 'BENCH_FIGURES ';

export function printFigures(title: string, results: BenchResult[]): void {
  const line: FiguresLine = { title, results };
  process.stdout.write(`${FIGURES_PREFIX}${JSON.stringify(line)}\n`);
}

export function printSideBySide(title: string, results: BenchResult[]): void {
  const metrics = [...new Set(results.flatMap((r) => Object.keys(r.figures)))];
  const rows = [
    ['', ...results.map((r) => r.label)],
    ...metrics.map((m) => [m, ...results.map((r) => cell(r.figures[m]))]),
    ['load (1 min) before -> after', ...results.map((r) => `${r.load.before} -> ${r.load.after}`)],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(`\n${title}\n`);
  rows.forEach((r, i) => {
    process.stdout.write(
      r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  ') + '\n',
    );
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

/** The product's own guard for what the bench's setup guarantees (a node it created, a step the rollback runs). */
export { present } from '../../src/common/present.js';
