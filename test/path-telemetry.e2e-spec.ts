import { PathTelemetryRepository } from '../src/phases/telemetry/path-telemetry.repository.js';
import { emptyHistogram } from '../src/phases/telemetry/latency-histogram.js';
import type { PathBucketRow } from '../src/phases/telemetry/path-telemetry.types.js';
import { startTestApp, TestApp } from './support/test-app.js';

const M = 29_400_000; // an epoch minute in 2025

const bucket = (over: Partial<PathBucketRow>): PathBucketRow => {
  const histogram = emptyHistogram();
  histogram[1] = over.calls ?? 1;
  return {
    minute: M,
    phase: 7,
    operation: 'assign_on_spawn',
    path: 'new',
    reason: '',
    calls: 1,
    errors: 0,
    latencyMsSum: 8,
    histogram,
    ...over,
  };
};

describe('path telemetry', () => {
  let t: TestApp;
  let repo: PathTelemetryRepository;

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    repo = t.app.get(PathTelemetryRepository);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('adds every flush to the minute rows, and reads totals, a dense series and signals', async () => {
    await repo.addBuckets([
      bucket({ calls: 3, latencyMsSum: 24 }),
      bucket({ path: 'fallback', reason: 'no_candidate' }),
    ]);
    await repo.addBuckets([
      bucket({ calls: 2, errors: 1, latencyMsSum: 16 }),
      bucket({ minute: M + 2, path: 'legacy', calls: 4 }),
      bucket({ phase: 8, calls: 100 }),
    ]);
    await repo.addSignals([{ minute: M, phase: 7, signal: 'candidates_found', count: 2, sum: 2, max: 1 }]);
    await repo.addSignals([
      { minute: M + 1, phase: 7, signal: 'candidates_found', count: 3, sum: 3, max: 1 },
      { minute: M + 1, phase: 7, signal: 'cache_age_s', count: 1, sum: 40, max: 40 },
      { minute: M + 2, phase: 7, signal: 'cache_age_s', count: 1, sum: 10, max: 10 },
    ]);

    const hist = (n: number) => Object.assign(emptyHistogram(), { 1: n });
    expect(await repo.totals(7, M, M + 3)).toEqual([
      {
        operation: 'assign_on_spawn',
        path: 'fallback',
        reason: 'no_candidate',
        calls: 1,
        errors: 0,
        latencyMsSum: 8,
        histogram: hist(1),
      },
      {
        operation: 'assign_on_spawn',
        path: 'legacy',
        reason: '',
        calls: 4,
        errors: 0,
        latencyMsSum: 8,
        histogram: hist(4),
      },
      {
        operation: 'assign_on_spawn',
        path: 'new',
        reason: '',
        calls: 5,
        errors: 1,
        latencyMsSum: 40,
        histogram: hist(5),
      },
    ]);
    expect(await repo.totals(7, M + 1, M + 2)).toEqual([]);

    const series = await repo.series(7, M, M + 3, 2);
    expect(series).toHaveLength(6);
    expect(series.filter((p) => p.minute === M)).toEqual([
      { minute: M, path: 'new', calls: 5, errors: 1, fallbacks: 0, p95Ms: expect.any(Number) },
      { minute: M, path: 'legacy', calls: 0, errors: 0, fallbacks: 0, p95Ms: null },
      { minute: M, path: 'fallback', calls: 1, errors: 0, fallbacks: 1, p95Ms: expect.any(Number) },
    ]);
    expect(series.filter((p) => p.minute === M + 2).map((p) => p.calls)).toEqual([0, 4, 0]);

    expect(await repo.signals(7, M, M + 3)).toEqual([
      { signal: 'cache_age_s', count: 2, sum: 50, max: 40 },
      { signal: 'candidates_found', count: 5, sum: 5, max: 1 },
    ]);
  });
});
