import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dialectOf } from '../../src/database/dialect.js';
import type { RolloutPlan } from '../../src/phases/rollout/rollout-plan.repository.js';
import { RolloutEvidence } from '../../src/phases/rollout/rollout-evidence.js';
import { RolloutService } from '../../src/phases/rollout/rollout.service.js';
import { decideStage } from '../../src/phases/rollout/stage-decision.js';
import { PathTelemetryRepository } from '../../src/phases/telemetry/path-telemetry.repository.js';
import { HISTOGRAM_COLUMNS } from '../../src/phases/telemetry/latency-histogram.js';
import { epochMinute } from '../../src/phases/telemetry/path-telemetry.types.js';
import { runOnBothDatabases, timed, type BenchTarget } from './runner.js';
import { bootMigratedApp } from './support/app-context.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, timePair } from './stats.js';

/**
 * `npm run bench:rollout-guard`: the rollout guard's evaluation over 30 days of minute buckets.
 * Four phases (7-10) each have a live plan whose stage began 30 days ago, and path_telemetry
 * holds every minute of those 30 days for each phase and path (about 518,000 rows, seeded in
 * one set-based INSERT ... SELECT per phase over a recursive sequence of minutes). A round
 * times, in alternating order, two passes over the four plans (evidence and decision: what the
 * job does before it acts): the guard's pass a minute after its previous one, which reads only
 * the minutes since (goal: under 100 ms), and the first pass of a replica that has just taken
 * the guard over, which reads every window whole.
 */
const DAYS = 30;
const MINUTES = DAYS * 24 * 60;
const PHASES = [7, 8, 9, 10];
const rounds = roundsFromArgs();

async function seed(ds: DataSource, phase: number, fromMinute: number): Promise<void> {
  const histogram = HISTOGRAM_COLUMNS.join(', ');
  // calls spread over the 25-50 ms and 50-100 ms buckets; a fallback every 1000th minute
  const counts = HISTOGRAM_COLUMNS.map((_, i) => (i === 3 ? 'calls - calls / 4' : i === 4 ? 'calls / 4' : '0')).join(
    ', ',
  );
  const recursion = dialectOf(ds) === 'mysql' ? 'SET STATEMENT max_recursive_iterations = 100000 FOR ' : '';
  await ds.query(
    `${recursion}INSERT INTO path_telemetry (minute, phase, operation, path, reason, minute_start, calls, errors, latency_ms_sum, ${histogram})
     WITH RECURSIVE m(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM m WHERE x < ${String(MINUTES - 1)}),
       p(path, reason, share) AS (SELECT 'new', '', 4 UNION ALL SELECT 'legacy', '', 36 UNION ALL SELECT 'fallback', 'error', 0)
     SELECT ${String(fromMinute)} + x, ${String(phase)}, 'bench', path, reason, '2026-01-01 00:00:00', calls, 0, calls * 45.0, ${counts}
     FROM (SELECT x, path, reason, CASE WHEN share = 0 THEN (CASE WHEN x % 1000 = 0 THEN 1 ELSE 0 END) ELSE share END AS calls FROM m, p) s
     WHERE calls > 0`,
  );
}

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const app = await bootMigratedApp(db.env);
  try {
    const ds = app.get(DataSource);
    const rollouts = app.get(RolloutService);
    const now = new Date();
    const begun = new Date(now.getTime() - MINUTES * 60_000);
    const seedMs = await timed(async () => {
      for (const phase of PHASES) await seed(ds, phase, epochMinute(begun));
    });
    const plans: RolloutPlan[] = [];
    for (const phase of PHASES)
      plans.push(
        (await rollouts.plan({ phase, stages: '50%,100%', minSample: 100, reason: 'bench', actor: 'bench' }, begun))
          .plan,
      );
    const [rows] = await ds.query<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM path_telemetry');
    const telemetry = app.get(PathTelemetryRepository);
    const isLast = (plan: RolloutPlan) => plan.currentStage === plan.stages.length - 1;
    let decided = 0;
    // the cold pass: a replica that has just taken the guard over reads each window whole
    const coldPass = async (at: Date) => {
      const evidence = new RolloutEvidence(telemetry);
      for (const plan of plans) {
        const stage = plan.stages[plan.currentStage];
        decided += decideStage(stage, await evidence.of(plan, at), isLast(plan), false).results.length;
      }
    };
    // the guard's pass a minute after its last: only the new minutes are read
    const warmPass = async (at: Date) => {
      for (const plan of plans) decided += (await rollouts.judge(plan, at))[1].results.length;
    };
    const minute = (i: number) => new Date(now.getTime() + (i + 2) * 60_000);
    await warmPass(minute(-1));
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        const [coldMs, warmMs] = await timePair(
          i,
          () => coldPass(minute(i)),
          () => warmPass(minute(i)),
        );
        return { coldMs, warmMs };
      },
      (s) => [
        ratioFigure(
          s.map((r) => r.warmMs),
          { op: '<=', value: 100 },
          '',
        ).verdict,
      ],
    );
    if (decided === 0) throw new Error('the guard decided nothing');
    return {
      'path_telemetry rows (30 days x 4 phases)': Number(rows.n),
      'seeding (s)': (seedMs / 1000).toFixed(1),
      'guard pass, 4 phases, a minute after the last (ms, goal < 100)': ratioFigure(
        samples.map((r) => r.warmMs),
        { op: '<=', value: 100 },
        '',
      ),
      'first pass on a replica, whole windows (ms)': ratioFigure(
        samples.map((r) => r.coldMs),
        null,
        '',
      ),
      'first pass per phase (ms, median round)': (median(samples.map((r) => r.coldMs)) / PHASES.length).toFixed(1),
    };
  } finally {
    await app.close();
    await db.drop();
  }
}

await runOnBothDatabases('rollout guard: one evaluation pass over 30 days of minute buckets, four phases', bench);
