import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { dialectOf, upsertStatement } from '../../src/database/dialect.js';
import { CacheWriter } from '../../src/people/cache-writer.js';
import { OPERATOR_COLUMNS, operatorCacheRow, storedStamp } from '../../src/people/people-cache-write.repository.js';
import { MaskingPolicyService } from '../../src/people/masking-policy.service.js';
import { PeopleClient } from '../../src/people/people-client.js';
import { ingestOperator, type OperatorRecord } from '../../src/people/people-records.js';
import { PEOPLE_JOBS } from '../../src/people/people-sync.service.js';
import { PEOPLE_FLAG } from '../../src/people/people.schema.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { JobsService } from '../../src/phases/jobs/jobs.service.js';
import { perSecond, present, runOnBothDatabases, timed, type BenchTarget } from './runner.js';
import { bootBenchApp } from './support/app-context.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, timePair } from './stats.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

/**
 * `npm run bench:people`: the operator sync against the simulator (a separate process) with
 * OPERATORS operators (default 20,000; `--operators N`).
 * - full sync, end to end (fetch, validate, mask, batched upserts in one transaction): rows/s;
 * - its write path (batched upserts in one transaction) against the naive floor, one upsert
 *   per row and commit, in interleaved rounds; goal: at least 10x. The end-to-end ratio
 *   (same fetch and masking in front of both) is printed too: there the shared fetch cost
 *   bounds the gain;
 * - an incremental sync after 1% of the operators changed upstream, against a full sync
 *   (into an emptied cache) just before it in the same round; goal: at most 5% of its time.
 *   The incremental needs the full sync's rows, so these two cannot swap places.
 * `--sqlite-only` skips MariaDB.
 */
const OPERATORS = Number(process.argv[process.argv.indexOf('--operators') + 1]) || 20_000;
const NAIVE_SAMPLE = 2_000;
const rounds = roundsFromArgs();
const TOKEN = 'bench-token';

async function startSim(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      resolve(PROJECT_ROOT, 'dist/scripts/people-api-sim.js'),
      '--port',
      '0',
      '--size',
      String(OPERATORS),
      '--token',
      TOKEN,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const found = /listening on (http:\/\/\S+)/.exec(line);
      if (found) ok(found[1]);
    });
    child.once('exit', (code) => fail(new Error(`simulator exited with ${code}`)));
  });
  return { url, child };
}

function bench(simUrl: string) {
  return async (target: BenchTarget) => {
    const db = await target.fresh();
    const app = await bootBenchApp(
      AppModule.forRoot({
        ...db.env,
        JOBS_ENABLED: 'false',
        LOG_LEVEL: 'warn',
        PEOPLE_API_URL: simUrl,
        PEOPLE_API_TOKEN: TOKEN,
        PEOPLE_API_PAGE_SIZE: '1000',
      }),
      ['error', 'warn'],
    );
    try {
      await app.get(FlagsService).set(PEOPLE_FLAG, true, { actor: 'bench', reason: 'bench' });
      const jobs = app.get(JobsService);
      const sync = async (expectFull: boolean) => {
        const done: { counts?: Record<string, number> | null } = {};
        const ms = await timed(async () => {
          const run = await jobs.runNow(PEOPLE_JOBS.operators);
          if (run.status !== 'succeeded') throw new Error(`sync failed: ${run.error}`);
          done.counts = run.counts;
        });
        const counts = present(done.counts, 'counts on the succeeded sync run');
        if (counts.full !== (expectFull ? 1 : 0))
          throw new Error(`expected a ${expectFull ? 'full' : 'incremental'} sync, got ${JSON.stringify(counts)}`);
        return { ms, counts };
      };

      const writes = await writePaths(
        app.get(DataSource),
        app.get(PeopleClient),
        app.get(MaskingPolicyService),
        app.get(CacheWriter),
      );
      const share = { op: '<=' as const, value: 0.05 };
      const syncs = await interleavedRounds(
        rounds,
        async () => {
          // an empty cache makes the next sync a full one
          await emptyCache(app.get(DataSource));
          const full = await sync(true);
          await fetch(`${simUrl}/_control/mutate`, {
            method: 'POST',
            body: JSON.stringify({ change: Math.round(OPERATORS / 100) }),
          });
          return { full, incremental: await sync(false) };
        },
        (r) => [
          ratioFigure(
            r.map((x) => x.incremental.ms / x.full.ms),
            share,
            '%',
          ).verdict,
        ],
      );
      const fullMs = median(syncs.map((r) => r.full.ms));
      const fetched = median(syncs.map((r) => r.incremental.counts.fetched));
      return {
        operators: OPERATORS,
        'full sync ms (median round)': Math.round(fullMs),
        'full sync rows/s': perSecond(syncs[0].full.counts.upserted, fullMs),
        'write path: batched rows/s (median round)': writes.batched,
        'write path: naive rows/s, 1 row per commit (median round)': writes.naive,
        'write path: batched vs naive': writes.ratio,
        'naive sync rows/s (same fetch + naive writes)': writes.naiveEndToEnd,
        'full sync vs naive sync, end to end': `${(perSecond(syncs[0].full.counts.upserted, fullMs) / writes.naiveEndToEnd).toFixed(1)}x`,
        'incremental rows fetched (median round)': fetched,
        'incremental sync ms (median round)': Math.round(median(syncs.map((r) => r.incremental.ms))),
        'incremental / full': ratioFigure(
          syncs.map((r) => r.incremental.ms / r.full.ms),
          share,
          '%',
        ),
      };
    } finally {
      await app.close();
      await db.drop();
    }
  };
}

/**
 * Empties the operator cache for the next write, as a fresh table. On MariaDB a DELETE leaves
 * every row delete-marked for InnoDB's purge, which then ran in the background during the next
 * write and made its inserts meet the marked keys: the bench timed its own cleanup
 * (20,000 rows batched: 474 ms after a DELETE, 309 ms after a TRUNCATE). SQLite's unqualified
 * DELETE already truncates.
 */
function emptyCache(dataSource: DataSource): Promise<unknown> {
  return dataSource.query(
    dialectOf(dataSource) === 'mysql' ? 'TRUNCATE TABLE people_operator_cache' : 'DELETE FROM people_operator_cache',
  );
}

/**
 * The write path alone, on the rows a sync fetches and masks: the sync's batched upserts in
 * one transaction (CacheWriter, into an empty cache) against the naive floor, one upsert
 * statement per row, each its own commit (on NAIVE_SAMPLE rows, a different slice each
 * round), in interleaved rounds. Also the fetch and masking cost per row, to give the naive
 * sync's end-to-end rate.
 */
async function writePaths(
  dataSource: DataSource,
  client: PeopleClient,
  policies: MaskingPolicyService,
  writer: CacheWriter,
) {
  const rules = await policies.rules();
  const records: OperatorRecord[] = [];
  const fetchMs = await timed(async () => {
    for await (const items of client.pages('/v1/operators', {}, new AbortController().signal)) {
      for (const raw of items) {
        const parsed = ingestOperator(raw, rules, '');
        if ('record' in parsed) records.push(parsed.record);
      }
    }
  });
  const sql = upsertStatement(
    dialectOf(dataSource),
    'people_operator_cache',
    OPERATOR_COLUMNS,
    ['id'],
    OPERATOR_COLUMNS.slice(1),
    1,
  );
  const slices = Math.max(1, Math.floor(records.length / NAIVE_SAMPLE));
  const goal = { op: '>=' as const, value: 10 };
  const samples = await interleavedRounds(
    rounds,
    async (i) => {
      const now = new Date();
      const at = (((i % slices) + slices) % slices) * NAIVE_SAMPLE;
      const sample = records.slice(at, at + NAIVE_SAMPLE);
      const [batchedMs, naiveMs] = await timePair(
        i,
        async () => {
          await writer.writeOperators(
            records,
            [],
            { fetchedAt: now, expiresAt: new Date(now.getTime() + 3_600_000) },
            now,
          );
        },
        async () => {
          const stamp = storedStamp({ fetchedAt: now, expiresAt: now }, now);
          for (const r of sample) await dataSource.query(sql, operatorCacheRow(r, stamp));
        },
        () => emptyCache(dataSource),
      );
      return { batched: records.length / batchedMs, naive: sample.length / naiveMs };
    },
    (s) => [
      ratioFigure(
        s.map((x) => x.batched / x.naive),
        goal,
      ).verdict,
    ],
  );
  await emptyCache(dataSource);
  const naivePerMs = median(samples.map((s) => s.naive));
  return {
    batched: Math.round(median(samples.map((s) => s.batched)) * 1000),
    naive: Math.round(naivePerMs * 1000),
    ratio: ratioFigure(
      samples.map((x) => x.batched / x.naive),
      goal,
    ),
    naiveEndToEnd: Math.round(1000 / (fetchMs / records.length + 1 / naivePerMs)),
  };
}

const sim = await startSim();
try {
  await runOnBothDatabases(`bench:people (${OPERATORS} operators, simulator in its own process)`, bench(sim.url));
} finally {
  sim.child.kill('SIGTERM');
}
