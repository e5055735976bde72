import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIGURES_PREFIX, type BenchFigures } from './runner.js';

/**
 * `npm run bench`: every benchmark of the project, each in a child process of its own (a
 * bench boots apps and MariaDB servers; a fresh process keeps one from skewing the next),
 * then one table of every ratio with its goal and whether it was met.
 *
 *   --sqlite-only        passed on to each bench
 *   --only core,oem      a subset
 *   --readme             also replace the table in README.md's "Benchmarks" section
 *
 * Files starting with `_` are scratch work, not benches.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const ORDER = ['core', 'framework', 'assignment', 'oem', 'people', 'dashboard'];
const README_START = '<!-- bench:start -->';
const README_END = '<!-- bench:end -->';

interface BenchOutput {
  bench: string;
  title: string;
  results: Array<{ label: string; figures: BenchFigures }>;
  exitCode: number | null;
  ms: number;
}

interface Goal {
  op: '>=' | '<=';
  value: number;
}

function benches(): string[] {
  const only = argValue('--only')?.split(',');
  const found = readdirSync(here)
    .filter((f) => f.endsWith('.js') && !['runner.js', 'all.js'].includes(f) && !f.endsWith('.spec.js') && !f.startsWith('_'))
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
  const args = process.argv.includes('--sqlite-only') ? ['--sqlite-only'] : [];
  const child = spawn(process.execPath, [join(here, `${bench}.js`), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const collected: BenchOutput = { bench, title: bench, results: [], exitCode: null, ms: 0 };
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(FIGURES_PREFIX)) {
        const { title, results } = JSON.parse(line.slice(FIGURES_PREFIX.length));
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
      resolveRun(collected);
    }),
  );
}

/** A figure named `... (goal >= 50%)` or `(goal <= 1.5)`: the goal and the name without it. */
function goalOf(name: string): { label: string; goal: Goal | null; text: string } {
  const m = /\s*\(goal\s*([<>]=)\s*([\d.]+)\s*(%|x)?\)\s*$/.exec(name);
  if (!m) return { label: name, goal: null, text: '' };
  return { label: name.slice(0, m.index), goal: { op: m[1] as Goal['op'], value: Number(m[2]) }, text: `${m[1]} ${m[2]}${m[3] ?? ''}` };
}

function meets(value: string | number | undefined, goal: Goal): boolean | null {
  const n = typeof value === 'number' ? value : parseFloat(String(value ?? '').replace(/[^\d.+-eE]/g, ''));
  if (!Number.isFinite(n)) return null;
  return goal.op === '>=' ? n >= goal.value : n <= goal.value;
}

function table(outputs: BenchOutput[]): { rows: string[][]; met: number; goals: number } {
  const labels = [...new Set(outputs.flatMap((o) => o.results.map((r) => r.label)))];
  const rows: string[][] = [['bench', 'figure', ...labels, 'goal', 'result']];
  let met = 0;
  let goals = 0;
  for (const out of outputs) {
    if (out.exitCode !== 0) rows.push([out.bench, `did not finish (exit ${out.exitCode})`, ...labels.map(() => '-'), '', 'FAIL']);
    const names = [...new Set(out.results.flatMap((r) => Object.keys(r.figures)))];
    for (const name of names) {
      const { label, goal, text } = goalOf(name);
      // only ratios with a goal make the summary; the benches print their raw figures themselves
      if (!goal) continue;
      const values = labels.map((l) => out.results.find((r) => r.label === l)?.figures[name]);
      const verdicts = values.filter((v) => v !== undefined).map((v) => meets(v, goal));
      const ok = verdicts.length > 0 && verdicts.every((v) => v === true);
      goals++;
      if (ok) met++;
      rows.push([out.bench, label, ...values.map((v) => (v === undefined ? '-' : String(v))), text, ok ? 'pass' : 'FAIL']);
    }
  }
  return { rows, met, goals };
}

function plain(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r, i) => r.map((c, k) => c.padEnd(widths[k])).join('  ') + (i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
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
  const { rows, met, goals } = table(outputs);
  const minutes = (outputs.reduce((n, o) => n + o.ms, 0) / 60_000).toFixed(1);
  process.stdout.write(`\nBenchmarks, ${date}, ${host}\n\n${plain(rows)}\n\n${met} of ${goals} goals met; ${list.length} benches in ${minutes} min\n`);
  if (process.argv.includes('--readme')) {
    const path = join(root, 'README.md');
    const readme = readFileSync(path, 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    if (start === -1 || end < start) throw new Error(`README.md has no ${README_START} ... ${README_END} section to replace`);
    const section = `${README_START}\nLatest \`npm run bench\`: ${date}, ${host}. ${met} of ${goals} goals met.\n\n${markdown(rows)}\n${README_END}`;
    writeFileSync(path, readme.slice(0, start) + section + readme.slice(end + README_END.length));
    process.stderr.write('README.md benchmark table updated\n');
  }
  if (outputs.some((o) => o.exitCode !== 0)) process.exitCode = 1;
}

await main();
