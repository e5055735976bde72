import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { OEM_MODE, OEM_SHADOW_RUN } from '../../src/oem/oem-flags.js';
import type { FlagContext } from '../../src/phases/flags/flag-rules.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { runOnBothDatabases, timed, type BenchTarget } from './runner.js';
import { bootBenchApp } from './support/app-context.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, timePair } from './stats.js';

/**
 * `npm run bench:flag-rules`: what targeting rules add to a flag evaluation. In interleaved
 * rounds: today's plain boolean (`isEnabled`, the switch alone) against `evaluate` of a flag
 * with a rollout's rules (ST-WELD, then 10% of the rest by ticket/serial: most calls hash),
 * over 1,000 scan contexts, and over 100,000 (beyond the CPU caches: a factory's stream of
 * tokens rather than a hot loop's); beside them one
 * trivial database read (the flag's row by key), the floor a per-call lookup would pay. Goals:
 * rules at most 3x the boolean, and at least 1000x cheaper than the read.
 */
const CALLS = 1_000_000;
const DB_CALLS = 500;
const rounds = roundsFromArgs();
const STATIONS = ['ST-WELD', 'ST-CUT', 'ST-PACK', 'ST-KIT'];
const scanContexts = (n: number): FlagContext[] =>
  Array.from({ length: n }, (_, i) => {
    const serial = `T-${String(i).padStart(6, '0')}`;
    return { targetingKey: serial, token: serial, station: STATIONS[i % STATIONS.length] };
  });
const CONTEXTS = scanContexts(1000);
const COLD = scanContexts(100_000);

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const env = { ...(db.env as Record<string, string>), LOG_LEVEL: 'error', JOBS_ENABLED: 'false' };
  const app = await bootBenchApp(AppModule.forRoot(env), ['error']);
  try {
    const ds = app.get(DataSource);
    const flags = app.get(FlagsService);
    const change = { actor: 'bench', reason: 'bench' };
    await flags.setMany([OEM_MODE, OEM_SHADOW_RUN], true, change);
    await flags.setRules(OEM_MODE, [{ scope: { stations: ['ST-WELD'] } }, { percentage: 10 }], change);
    let on = 0;
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        const [booleanMs, rulesMs] = await timePair(
          i,
          () => {
            for (let k = 0; k < CALLS; k++) if (flags.isEnabled(OEM_SHADOW_RUN)) on++;
            return Promise.resolve();
          },
          () => {
            for (let k = 0; k < CALLS; k++) if (flags.evaluate(OEM_MODE, CONTEXTS[k % 1000]).value) on++;
            return Promise.resolve();
          },
        );
        const coldMs = await timed(() => {
          for (let k = 0; k < CALLS; k++) if (flags.evaluate(OEM_MODE, COLD[k % COLD.length]).value) on++;
          return Promise.resolve();
        });
        const readMs = await timed(async () => {
          for (let k = 0; k < DB_CALLS; k++)
            if ((await ds.query<unknown[]>('SELECT enabled FROM feature_flag WHERE `key` = ?', [OEM_MODE])).length)
              on++;
        });
        return {
          booleanNs: (booleanMs * 1e6) / CALLS,
          rulesNs: (rulesMs * 1e6) / CALLS,
          coldNs: (coldMs * 1e6) / CALLS,
          readNs: (readMs * 1e6) / DB_CALLS,
        };
      },
      (s) => [
        ratioFigure(
          s.map((r) => r.rulesNs / r.booleanNs),
          { op: '<=', value: 3 },
        ).verdict,
        ratioFigure(
          s.map((r) => r.readNs / r.rulesNs),
          { op: '>=', value: 1000 },
        ).verdict,
      ],
    );
    // keeps the loops' results alive, and checks the rules split as configured (25% ST-WELD + 10% of the rest)
    const share = CONTEXTS.filter((c) => flags.evaluate(OEM_MODE, c).value).length / CONTEXTS.length;
    if (on === 0 || share < 0.25 || share > 0.4) throw new Error(`unexpected share on the new path: ${share}`);
    return {
      'plain boolean (ns/call, median round)': median(samples.map((s) => s.booleanNs)).toFixed(1),
      'with rules (ns/call, median round)': median(samples.map((s) => s.rulesNs)).toFixed(1),
      'with rules, 100,000 contexts (ns/call)': median(samples.map((s) => s.coldNs)).toFixed(1),
      'rules over 100,000 contexts / boolean (goal <= 3x)': ratioFigure(
        samples.map((s) => s.coldNs / s.booleanNs),
        { op: '<=', value: 3 },
      ),
      'one DB read (ns/call, median round)': median(samples.map((s) => s.readNs)).toFixed(0),
      'rules / boolean (goal <= 3x)': ratioFigure(
        samples.map((s) => s.rulesNs / s.booleanNs),
        { op: '<=', value: 3 },
      ),
      'DB read / rules (goal >= 1000x)': ratioFigure(
        samples.map((s) => s.readNs / s.rulesNs),
        { op: '>=', value: 1000 },
      ),
      'share on the new path (ST-WELD + 10% of the rest)': `${(share * 100).toFixed(1)}%`,
    };
  } finally {
    await app.close();
    await db.drop();
  }
}

await runOnBothDatabases('flag rules: evaluation with targeting rules vs the plain boolean vs one DB read', bench);
