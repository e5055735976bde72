import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cell, FIGURES_PREFIX, type BenchResult, type FiguresLine } from './runner.js';
import { isRatioFigure, type Verdict } from './stats.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

/**
 * `npm run bench`: every benchmark of the project, each in a child process of its own (a
 * bench boots apps and MariaDB servers; a fresh process keeps one from skewing the next),
 * then one table of every ratio with its goal: the median over interleaved rounds, its
 * interval, and a verdict (pass, FAIL, or inconclusive when the interval straddles the goal),
 * with the load average before and after each bench.
 *
 *   --sqlite-only, --mysql-only              passed on to each bench
 *   --rounds N, --until-stable, --max-rounds N   passed on: rounds after the warm-up (>= 5);
 *                                            add rounds, up to the bound, until every interval decides
 *   --rows N                                 passed on: bench:framework's backup table size
 *   --only core,oem                          a subset
 *   --readme                                 also replace the table in README.md's "Benchmarks" section
 *
 * Files starting with `_` are scratch work, not benches.
 */
const here = dirname(fileURLToPath(import.meta.url));
const ORDER = ['core', 'framework', 'assignment', 'oem', 'people', 'dashboard'];
const README_START = '<!-- bench:start -->';
const README_END = '<!-- bench:end -->';

interface BenchOutput {
  bench: string;
  title: string;
  results: BenchResult[];
  exitCode: number | null;
  ms: number;
  load: { before: number; after: number };
}

/** Options every bench understands, passed through as given. */
const PASSED_ON = ['--sqlite-only', '--mysql-only', '--until-stable'];
const PASSED_ON_WITH_VALUE = ['--rounds', '--max-rounds', '--rows'];
const load1 = () => Number(loadavg()[0].toFixed(2));

function benches(): string[] {
  const only = argValue('--only')?.split(',');
  const found = readdirSync(here)
    .filter(
      (f) =>
        f.endsWith('.js') &&
        !['runner.js', 'all.js', 'stats.js'].includes(f) &&
        !f.endsWith('.spec.js') &&
        !f.startsWith('_'),
    )
    .map((f) => basename(f, '.js'));
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return found.filter((b) => !only || only.includes(b)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at === -1 ? undefined : process.argv[at + 1];
}

function runBench(bench: string): Promise<BenchOutput> {
  const started = Date.now();
  const args = [
    ...PASSED_ON.filter((a) => process.argv.includes(a)),
    ...PASSED_ON_WITH_VALUE.flatMap((a) => {
      const value = argValue(a);
      return value ? [a, value] : [];
    }),
  ];
  const child = spawn(process.execPath, [join(here, `${bench}.js`), ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const collected: BenchOutput = {
    bench,
    title: bench,
    results: [],
    exitCode: null,
    ms: 0,
    load: { before: load1(), after: 0 },
  };
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    // split() gives at least one piece: the unfinished line, '' after a newline
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith(FIGURES_PREFIX)) {
        const { title, results } = JSON.parse(line.slice(FIGURES_PREFIX.length)) as FiguresLine;
        collected.title = title;
        collected.results.push(...results);
      } else {
        // the bench's own table and progress, as it goes
        process.stderr.write(`${line}\n`);
      }
    }
  });
  return new Promise((resolveRun) =>
    child.on('close', (code) => {
      collected.exitCode = code;
      collected.ms = Date.now() - started;
      collected.load.after = load1();
      resolveRun(collected);
    }),
  );
}

/** The whole row's verdict: FAIL if any database fails, pass if all pass, inconclusive otherwise. */
function combined(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('FAIL')) return 'FAIL';
  return verdicts.length > 0 && verdicts.every((v) => v === 'pass') ? 'pass' : 'inconclusive';
}

function table(outputs: BenchOutput[]): {
  rows: string[][];
  counts: Record<Verdict, number>;
} {
  const labels = [...new Set(outputs.flatMap((o) => o.results.map((r) => r.label)))];
  const rows: string[][] = [['bench', 'figure', ...labels, 'goal', 'result', 'load before -> after']];
  const counts: Record<Verdict, number> = { pass: 0, FAIL: 0, inconclusive: 0 };
  for (const out of outputs) {
    const load = `${out.load.before} -> ${out.load.after}`;
    if (out.exitCode !== 0) {
      rows.push([out.bench, `did not finish (exit ${out.exitCode})`, ...labels.map(() => '-'), '', 'FAIL', load]);
      counts.FAIL++;
    }
    const names = [...new Set(out.results.flatMap((r) => Object.keys(r.figures)))];
    for (const name of names) {
      const figures = labels.map((l) => out.results.find((r) => r.label === l)?.figures[name]);
      const goal = figures.find(isRatioFigure)?.goal;
      // only ratios with a goal make the summary; the benches print their raw figures themselves
      if (!goal) continue;
      // a ratio without a verdict (no goal on that database) cannot make the row pass
      const verdict = combined(figures.filter(isRatioFigure).map((f) => f.verdict ?? 'inconclusive'));
      counts[verdict]++;
      rows.push([out.bench, name, ...figures.map((f) => cell(f)), `${goal.op} ${goal.value}`, verdict, load]);
    }
  }
  return { rows, counts };
}

function plain(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map(
      (r, i) =>
        r.map((c, k) => c.padEnd(widths[k])).join('  ') +
        (i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    )
    .join('\n');
}

function markdown(rows: string[][]): string {
  return [rows[0], rows[0].map(() => '---'), ...rows.slice(1)].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function machine(): string {
  const cpu = cpus();
  const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${gb(totalmem())} memory (${gb(freemem())} free at the start), Node ${process.version}, ${platform()} ${release()}`;
}

async function main(): Promise<void> {
  const list = benches();
  if (list.length === 0) throw new Error(`no benchmarks found next to ${here}: run \`npm run build\` first`);
  const host = machine();
  const date = new Date().toISOString().slice(0, 10);
  const outputs: BenchOutput[] = [];
  for (const bench of list) {
    process.stderr.write(`\n== bench:${bench}\n`);
    outputs.push(await runBench(bench));
  }
  const { rows, counts } = table(outputs);
  const minutes = (outputs.reduce((n, o) => n + o.ms, 0) / 60_000).toFixed(1);
  const summary = `${counts.pass} pass, ${counts.FAIL} FAIL, ${counts.inconclusive} inconclusive`;
  process.stdout.write(
    `\nBenchmarks, ${date}, ${host}\n\n${plain(rows)}\n\n${summary}; ${list.length} benches in ${minutes} min\n`,
  );
  if (counts.inconclusive)
    process.stdout.write(
      `Inconclusive figures straddle their goal at the load shown: rerun on a quieter host, or with --until-stable.\n`,
    );
  if (process.argv.includes('--readme')) {
    const path = join(PROJECT_ROOT, 'README.md');
    const readme = readFileSync(path, 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    if (start === -1 || end < start)
      throw new Error(`README.md has no ${README_START} ... ${README_END} section to replace`);
    const section = `${README_START}\nLatest \`npm run bench\`: ${date}, ${host}. ${summary}. Each cell: the median ratio over interleaved rounds [its 95% bootstrap interval] n=rounds, and its verdict; load is the 1-minute load average.\n\n${markdown(rows)}\n${README_END}`;
    writeFileSync(path, readme.slice(0, start) + section + readme.slice(end + README_END.length));
    process.stderr.write('README.md benchmark table updated\n');
  }
  if (outputs.some((o) => o.exitCode !== 0)) process.exitCode = 1;
}

await main();
