import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { DagRoutingService } from '../../src/production/dag-routing.service.js';
import { TokenLifecycleService } from '../../src/production/token-lifecycle.service.js';
import { PathTelemetryRepository } from '../../src/phases/telemetry/path-telemetry.repository.js';
import { epochMinute } from '../../src/phases/telemetry/path-telemetry.types.js';
import { PhaseTelemetry } from '../../src/phases/telemetry/phase-telemetry.service.js';
import { perSecond, runOnBothDatabases, timed, type BenchTarget } from './runner.js';
import { bootMigratedApp, type BenchApp } from './support/app-context.js';
import { releasedJob, setUpRouteGraph, type RouteGraph } from './support/route-graph.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, timePair } from './stats.js';

/**
 * `npm run bench:telemetry`: what path telemetry adds to a manual route. Two apps on one
 * database, one recording (TELEMETRY_FLUSH_MS=1000, so flushes fall inside the timed work)
 * and one not (TELEMETRY_FLUSH_MS=0, the documented off switch); in interleaved rounds each
 * routes a job of TOKENS tokens one move at a time (each move one gated call, Phase 7's flag
 * off: the legacy, manual path). Goal: recording adds at most 5%. Beside it, the recording
 * alone (PhaseTelemetry.call, what a gated call adds in memory) in ns per call, as a share of
 * a move: the route ratio's noise on a loaded host is wider than this cost.
 */
const TOKENS = Number(process.env.BENCH_TELEMETRY_TOKENS ?? 500);
const rounds = roundsFromArgs();
const RECORDS = 100_000;

async function route(app: BenchApp, graph: RouteGraph, code: string): Promise<() => Promise<void>> {
  const job = await releasedJob(app, graph, code, TOKENS);
  await app.get(TokenLifecycleService).spawnTokens(job.id);
  const ids = await app
    .get(DataSource)
    .query<Array<{ id: number }>>(`SELECT id FROM token WHERE job_id = ? ORDER BY id`, [job.id]);
  const routing = app.get(DagRoutingService);
  return async () => {
    for (const { id } of ids) await routing.routeToNode(id, graph.nextId);
  };
}

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const on = await bootMigratedApp(db.env, { TELEMETRY_FLUSH_MS: '1000' });
  const off = await bootMigratedApp(db.env, { TELEMETRY_FLUSH_MS: '0', MIGRATE_ON_START: 'false' });
  try {
    const graph = await setUpRouteGraph(on);
    const goal = { op: '<=' as const, value: 1.05 };
    const telemetry = on.get(PhaseTelemetry);
    const started = epochMinute(new Date());
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        const withTelemetry = await route(on, graph, `JT-${i + 1}`);
        const without = await route(off, graph, `JN-${i + 1}`);
        const [onMs, offMs] = await timePair(i, withTelemetry, without);
        const recordMs = await timed(() => {
          for (let k = 0; k < RECORDS; k++) telemetry.call(0, 'bench_record', 'legacy', '', k % 40, false);
          return Promise.resolve();
        });
        return { onMs, offMs, recordNs: (recordMs * 1e6) / RECORDS };
      },
      (s) => [
        ratioFigure(
          s.map((r) => r.onMs / r.offMs),
          goal,
        ).verdict,
      ],
    );
    await on.get(PhaseTelemetry).flush();
    // every move of the recording app is in the buckets, none of the other's: the bench measured real work
    const recorded = (await on.get(PathTelemetryRepository).totals(7, started, epochMinute(new Date()) + 1))
      .filter((t) => t.operation === 'assign_on_route')
      .reduce((n, t) => n + t.calls, 0);
    const expected = (samples.length + 1) * TOKENS;
    if (recorded !== expected) throw new Error(`telemetry recorded ${recorded} moves, expected ${expected}`);
    return {
      'moves per round and side': TOKENS,
      'moves recorded in the buckets': recorded,
      'moves/s with telemetry (median round)': perSecond(TOKENS, median(samples.map((s) => s.onMs))),
      'moves/s without (median round)': perSecond(TOKENS, median(samples.map((s) => s.offMs))),
      'recording alone (ns per gated call, median round)': median(samples.map((s) => s.recordNs)).toFixed(0),
      'recording alone / one move': `${((median(samples.map((s) => s.recordNs)) / 1e6 / (median(samples.map((s) => s.onMs)) / TOKENS)) * 100).toFixed(3)}%`,
      'route time with / without telemetry (goal <= 1.05)': ratioFigure(
        samples.map((s) => s.onMs / s.offMs),
        goal,
      ),
    };
  } finally {
    await on.close();
    await off.close();
    await db.drop();
  }
}

await runOnBothDatabases(`telemetry: a manual route with path telemetry on vs off, interleaved`, bench);
