import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { createThrowawayMysqlDatabase } from '../throwaway-mysql-database.js';
import { present } from './runner.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

/**
 * `npm run bench:cluster`: the same mixed load (scans, token moves through the API, reads) on
 * three replicas sharing one MariaDB server, and on three replicas each attached to its own
 * node of a 3-node Galera cluster (scripts/galera-test-cluster.sh), in interleaved rounds.
 * Every client moves only tokens of its own, so any 409 is a spurious conflict: two writes
 * that touched nothing in common as far as the client can tell. Prints per target the
 * throughput and p99 latency, 409s and 5xx per 1,000 writes, the certification conflicts
 * the cluster absorbed (retried, unseen by clients), and how long a flag change takes to
 * reach every replica. Needs root (it starts the database servers).
 */
const MAIN_JS = resolve(PROJECT_ROOT, 'dist/bundle/main.js');
const CLI_JS = resolve(PROJECT_ROOT, 'dist/bundle/cli.js');
const run = promisify(execFile);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 10_000);
const CLIENTS = 12;
const FLAG_REFRESH_MS = 1000;
const FLAG_SAMPLES = 5;
const JOBS = 12;
const TOKENS_PER_JOB = 100;
/** The work nodes a token passes, each served by station ST-<code>; Q is a QC node (pass or fail). */
const STAGES = ['S', 'A', 'Q', 'P'];
/** Every station of the line: R, the rework after a failed check, sees no token in this load. */
const STATIONS = [...STAGES, 'R'];

interface Target {
  name: string;
  replicas: string[];
  key: string;
  /** SQL on every database node, for the Galera conflict counters. */
  nodeUrls: string[];
  tokens: Token[];
  stop: () => Promise<void>;
}
interface Token {
  id: number;
  serial: string;
  version: number;
  stage: number;
  inProgress: boolean;
}
interface Round {
  ops: number;
  writes: number;
  conflicts: number;
  errors5xx: number;
  latencies: number[];
  ms: number;
  certFailures: number;
}
/** A target's rounds and flag propagation samples. */
interface Measured {
  target: Target;
  rounds: Round[];
  flagMs: number[];
}

/** The parts of the API's answers this bench reads (the whole types: test/support/phasegate-api.ts). */
interface Created {
  id: number;
}
interface TokenPage {
  items: Array<{ id: number; serial: string; version: number }>;
}
interface TokenState {
  version: number;
  status: 'waiting' | 'in_progress' | 'done' | 'scrapped';
}
interface ScanResult {
  token: TokenState | null;
}
interface FlagState {
  key: string;
  effective: boolean;
}

async function shell(script: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run('bash', ['-c', script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    timeout: 600_000,
    maxBuffer: 16 << 20,
  });
  return stdout;
}

function startReplica(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    const listening = (d: Buffer) => {
      out += d.toString();
      const port = /listening: API http:\/\/localhost:(\d+)\//.exec(out)?.[1];
      if (!port) return;
      // the access log of the load is not kept
      child.stdout.off('data', listening);
      child.stdout.resume();
      ok({ url: `http://127.0.0.1:${port}`, child });
    };
    child.stdout.on('data', listening);
    child.on('exit', (code) => fail(new Error(`replica exited with ${code}: ${out.slice(-2000)}`)));
  });
}

async function call(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const answer: unknown = text ? JSON.parse(text) : null;
  return { status: res.status, body: answer };
}

async function ok(base: string, key: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await call(base, key, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A database on `serverUrls[0]` (replicated to the others on Galera), its schema, a key, the line, jobs and their tokens, and three replicas. */
async function prepare(name: string, serverUrls: string[], stopServers: () => Promise<void>): Promise<Target> {
  const db = await createThrowawayMysqlDatabase(serverUrls[0], 'pg_bench_cluster');
  const dbName = new URL(db.url).pathname;
  const urlOf = (i: number) =>
    Object.assign(new URL(serverUrls[i % serverUrls.length]), { pathname: dbName }).toString();
  const env = { DB_TYPE: 'mysql', DB_URL: urlOf(0), DB_POOL_SIZE: '10' };
  const created = await run(
    process.execPath,
    [CLI_JS, 'keys', 'create', '--role', 'admin', '--name', 'bench', '--json'],
    { cwd: PROJECT_ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'error' } },
  );
  const lines = created.stdout.trim().split('\n');
  const { key } = JSON.parse(lines[lines.length - 1]) as { key: string };
  const started = await Promise.all(
    [0, 1, 2].map((i) =>
      startReplica({
        ...env,
        DB_URL: urlOf(i),
        MIGRATE_ON_START: 'false',
        JOBS_ENABLED: 'false',
        FLAG_REFRESH_MS: String(FLAG_REFRESH_MS),
        SCAN_DEDUP_WINDOW_MS: '0',
      }),
    ),
  );
  const replicas = started.map((s) => s.url);
  const stop = async () => {
    for (const s of started) s.child.kill('SIGTERM');
    await Promise.all(
      started.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))),
    );
    await db.drop().catch(() => undefined);
    await stopServers();
  };
  try {
    return { name, replicas, key, nodeUrls: serverUrls, tokens: await setUpLine(replicas[0], key, name), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The line S -> A -> Q -pass-> P -> E, with Q -fail-> R -> P, and released, spawned jobs; returns their tokens. */
async function setUpLine(base: string, key: string, name: string): Promise<Token[]> {
  const kind = (code: string) => (code === 'S' ? 'start' : code === 'Q' ? 'qc' : 'work');
  const graph = (await ok(base, key, 'POST', '/api/v1/graphs', {
    code: 'BENCH',
    name: 'bench',
    nodes: [
      ...STATIONS.map((code) => ({ code, name: code, kind: kind(code), stationCode: `ST-${code}` })),
      { code: 'E', name: 'E', kind: 'end' },
    ],
    edges: [
      { from: 'S', to: 'A' },
      { from: 'A', to: 'Q' },
      { from: 'Q', to: 'P', outcome: 'pass' },
      { from: 'Q', to: 'R', outcome: 'fail' },
      { from: 'R', to: 'P' },
      { from: 'P', to: 'E' },
    ],
  })) as Created;
  console.log(`${name}: replicas up, spawning ${JOBS * TOKENS_PER_JOB} tokens`);
  const tokens: Token[] = [];
  for (let j = 0; j < JOBS; j++) {
    const job = (await ok(base, key, 'POST', '/api/v1/jobs', {
      code: `BJ-${j}`,
      graphId: graph.id,
      productCode: 'P',
      quantity: TOKENS_PER_JOB,
    })) as Created;
    await ok(base, key, 'POST', `/api/v1/jobs/${job.id}/release`);
    await ok(base, key, 'POST', `/api/v1/jobs/${job.id}/spawn`);
    const page = (await ok(base, key, 'GET', `/api/v1/tokens?jobId=${job.id}&limit=500`)) as TokenPage;
    for (const t of page.items)
      tokens.push({ id: t.id, serial: t.serial, version: t.version, stage: 0, inProgress: false });
  }
  return tokens;
}

async function certFailures(urls: string[]): Promise<number> {
  let total = 0;
  for (const url of urls) {
    const conn = await createConnection(url);
    const [rows] = await conn.query(
      `SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts')`,
    );
    await conn.end();
    for (const r of rows as Array<{ Value: string }>) total += Number(r.Value);
  }
  return total;
}

/**
 * One round of CLIENTS clients for ROUND_MS, spread over the replicas. Each client walks
 * tokens of its own (tokens of every job, so jobs are shared) through the line, one step a
 * write: by scan at its station, or every other step by the token API with its version; a
 * read of the token list follows every write.
 */
async function round(target: Target, first: number): Promise<Round> {
  const r: Round = { ops: 0, writes: 0, conflicts: 0, errors5xx: 0, latencies: [], ms: 0, certFailures: 0 };
  const certBefore = await certFailures(target.nodeUrls);
  const until = Date.now() + ROUND_MS;
  const timedCall = async (base: string, method: string, path: string, body?: unknown) => {
    const t0 = performance.now();
    const res = await call(base, target.key, method, path, body);
    r.latencies.push(performance.now() - t0);
    r.ops++;
    if (res.status >= 500) r.errors5xx++;
    return res;
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const base = target.replicas[c % target.replicas.length];
      const mine = target.tokens.filter((_, i) => i % CLIENTS === c && i >= first);
      let step = 0;
      for (const token of mine) {
        while (token.stage < STAGES.length) {
          if (Date.now() >= until) return;
          const station = STAGES[token.stage];
          const byScan = step++ % 2 === 0;
          const outcome = station === 'Q' && token.inProgress ? { outcome: 'pass' } : {};
          const res = byScan
            ? await timedCall(base, 'POST', '/api/v1/scans', {
                stationCode: `ST-${station}`,
                barcode: token.serial,
                ...outcome,
              })
            : await timedCall(base, 'POST', `/api/v1/tokens/${token.id}/${token.inProgress ? 'complete' : 'start'}`, {
                expectedVersion: token.version,
                ...outcome,
              });
          r.writes++;
          if (res.status === 409) {
            r.conflicts++;
            const fresh = await call(base, target.key, 'GET', `/api/v1/tokens/${token.id}`);
            token.version = (fresh.body as TokenState).version;
            continue;
          }
          if (res.status !== 200) throw new Error(`${target.name}: ${res.status} ${JSON.stringify(res.body)}`);
          const moved = byScan
            ? present((res.body as ScanResult).token, `token in the scan of ${token.serial}`)
            : (res.body as TokenState);
          token.version = moved.version;
          token.inProgress = moved.status === 'in_progress';
          if (!token.inProgress) token.stage++;
          await timedCall(base, 'GET', `/api/v1/tokens/${token.id}`);
        }
      }
    }),
  );
  r.ms = performance.now() - started;
  r.certFailures = (await certFailures(target.nodeUrls)) - certBefore;
  return r;
}

/** Time from a flag change answered on one replica until every replica serves it. */
async function flagPropagation(target: Target): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < FLAG_SAMPLES; i++) {
    const enabled = i % 2 === 0;
    await ok(target.replicas[i % 3], target.key, 'PUT', '/api/v1/admin/flags/oem_shadow_run', {
      enabled,
      reason: 'bench',
    });
    const changed = performance.now();
    const seen = await Promise.all(
      target.replicas.map(async (base) => {
        for (;;) {
          const flags = (await ok(base, target.key, 'GET', '/api/v1/admin/flags')) as FlagState[];
          if (
            present(
              flags.find((f) => f.key === 'oem_shadow_run'),
              'flag oem_shadow_run',
            ).effective === enabled
          )
            return performance.now() - changed;
          await new Promise((w) => setTimeout(w, 10));
        }
      }),
    );
    samples.push(Math.max(...seen));
  }
  return samples;
}

/**
 * What the nodes' error logs say about each conflict (wsrep_log_conflicts is on in the test
 * cluster), reduced to the verb and table of the statement that met: the victim's, or the
 * winner's when the victim sat between statements (SQL: NULL) or was committing.
 */
function loggedConflicts(galeraDir: string): { counts: Record<string, number>; samples: Record<string, string> } {
  const counts: Record<string, number> = {};
  const samples: Record<string, string> = {};
  const statement = (line: string) => /SQL:\s*(UPDATE|INSERT(?: IGNORE)? INTO|DELETE FROM)\s+`?(\w+)/i.exec(line);
  for (const node of [1, 2, 3]) {
    const path = `${galeraDir}/node${node}/error.log`;
    if (!existsSync(path)) continue;
    const blocks = readFileSync(path, 'latin1')
      .split(/cluster conflict due to/)
      .slice(1);
    for (const block of blocks) {
      // [winner, victim]; a block without a victim thread has only the first
      const parts = block.split(/Victim thread/);
      const what = statement(parts.at(1) ?? '') ?? statement(parts[0]);
      const key = what ? `${what[1].toUpperCase()} ${what[2]}` : '(unknown)';
      counts[key] = (counts[key] ?? 0) + 1;
      samples[key] ??= block.replace(/^[\d-]+\s+[\d:]+ \d+ \[Note\] /gm, '').slice(0, 600);
    }
  }
  return { counts, samples };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const spread = (xs: number[], digits = 0) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;

async function main(): Promise<void> {
  console.log('starting one MariaDB server and a 3-node Galera cluster...');
  const single = (
    await shell(
      'source scripts/mariadb-test-server.sh && mariadb_start >&2 && echo "$TEST_MYSQL_URL $MARIADB_PID $MARIADB_DIR"',
    )
  )
    .trim()
    .split(' ');
  const galera = (
    await shell('source scripts/galera-test-cluster.sh && galera_start >&2 && echo "$TEST_GALERA_URLS $GALERA_DIR"')
  )
    .trim()
    .split(' ');
  const targets: Target[] = [];
  try {
    targets.push(
      await prepare('one node', [single[0]], () =>
        shell(
          `kill ${single[1]}; while kill -0 ${single[1]} 2>/dev/null; do sleep 0.1; done; rm -rf ${single[2]}`,
        ).then(() => undefined),
      ),
    );
    targets.push(
      await prepare('3-node Galera', galera[0].split(','), () =>
        shell('scripts/galera-test-cluster.sh stop', { GALERA_DIR: galera[1] }).then(() => undefined),
      ),
    );
    const measured: Measured[] = targets.map((target) => ({ target, rounds: [], flagMs: [] }));
    const perRound = Math.floor(targets[0].tokens.length / ROUNDS);
    for (let i = 0; i < ROUNDS; i++) {
      // interleaved, and which goes first alternates, so a drift of the shared host hits both
      for (const m of i % 2 === 0 ? measured : [...measured].reverse()) {
        const r = await round(m.target, i * perRound);
        m.rounds.push(r);
        console.log(
          `round ${i + 1} ${m.target.name}: ${Math.round((r.ops * 1000) / r.ms)} req/s, p99 ${p99(r.latencies).toFixed(1)} ms, ${r.conflicts} 409s of ${r.writes} writes`,
        );
      }
    }
    for (const m of measured) m.flagMs = await flagPropagation(m.target);

    console.log(
      `\nbench:cluster, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs, Node ${process.version}; ${ROUNDS} interleaved rounds of ${ROUND_MS / 1000} s, ${CLIENTS} clients over 3 replicas; median (range)`,
    );
    const throughput = (rounds: Round[]) => rounds.map((r) => (r.ops * 1000) / r.ms);
    for (const { target, rounds, flagMs } of measured) {
      const rps = throughput(rounds);
      const writes = rounds.reduce((n, r) => n + r.writes, 0);
      const per1000 = (n: number) => ((n * 1000) / Math.max(1, writes)).toFixed(2);
      console.log(
        `  ${target.name.padEnd(14)} ${median(rps).toFixed(0)} req/s (${spread(rps)}), p99 ${median(rounds.map((r) => p99(r.latencies))).toFixed(1)} ms (${spread(
          rounds.map((r) => p99(r.latencies)),
          1,
        )}), 409s per 1,000 writes ${per1000(rounds.reduce((n, r) => n + r.conflicts, 0))}, 5xx ${rounds.reduce((n, r) => n + r.errors5xx, 0)}, ` +
          `certification conflicts retried per 1,000 writes ${per1000(rounds.reduce((n, r) => n + r.certFailures, 0))}, flag on every replica after ${median(flagMs).toFixed(0)} ms (${spread(flagMs)}; FLAG_REFRESH_MS ${FLAG_REFRESH_MS})`,
      );
    }
    const [oneNode, cluster] = measured.map((m) => throughput(m.rounds));
    const ratios = cluster.map((x, i) => x / oneNode[i]);
    console.log(`  cluster / one node throughput: ${median(ratios).toFixed(2)} (${spread(ratios, 2)})`);
    const logged = loggedConflicts(galera[1]);
    console.log(
      `  conflicts the cluster logged (wsrep_log_conflicts), by the losing statement: ${JSON.stringify(logged.counts)}`,
    );
    if (process.env.BENCH_CONFLICT_SAMPLES)
      for (const [key, sample] of Object.entries(logged.samples)) console.log(`\n  first ${key} conflict:\n${sample}`);
  } finally {
    for (const target of targets) await target.stop();
    if (targets.length < 2) {
      await shell(`kill ${single[1]} 2>/dev/null; rm -rf ${single[2]}`).catch(() => undefined);
      await shell('scripts/galera-test-cluster.sh stop', { GALERA_DIR: galera[1] }).catch(() => undefined);
    }
  }
}

await main();
