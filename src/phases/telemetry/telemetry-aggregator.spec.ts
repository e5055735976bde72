import { TelemetryAggregator } from './telemetry-aggregator.js';

const T = Date.UTC(2026, 0, 1, 12, 0, 30);
const MINUTE = Math.floor(T / 60_000);

describe('TelemetryAggregator', () => {
  it('sums calls by minute, phase, operation, path and reason into one row each', () => {
    const a = new TelemetryAggregator(100);
    a.call(T, 7, 'assign', 'new', '', 3, false);
    a.call(T + 1000, 7, 'assign', 'new', '', 30, true);
    a.call(T + 60_000, 7, 'assign', 'new', '', 3, false);
    a.call(T, 7, 'assign', 'fallback', 'no_candidate', 12, false);
    const { buckets } = a.drain();
    expect(buckets).toHaveLength(3);
    expect(buckets[0]).toEqual({
      minute: MINUTE,
      phase: 7,
      operation: 'assign',
      path: 'new',
      reason: '',
      calls: 2,
      errors: 1,
      latencyMsSum: 33,
      histogram: [1, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    });
    expect(buckets[1]).toMatchObject({ minute: MINUTE + 1, calls: 1 });
    expect(buckets[2]).toMatchObject({ path: 'fallback', reason: 'no_candidate', calls: 1 });
    expect(a.drain()).toEqual({ buckets: [], signals: [] });
  });

  it('keeps a counter as a count and a gauge as count, sum and max', () => {
    const a = new TelemetryAggregator(100);
    a.signal(T, 8, 'shadow_agree');
    a.signal(T, 8, 'shadow_agree');
    a.signal(T, 9, 'cache_age_s', 40);
    a.signal(T, 9, 'cache_age_s', 10);
    expect(a.drain().signals).toEqual([
      { minute: MINUTE, phase: 8, signal: 'shadow_agree', count: 2, sum: 2, max: 1 },
      { minute: MINUTE, phase: 9, signal: 'cache_age_s', count: 2, sum: 50, max: 40 },
    ]);
  });

  it('takes back a failed flush, added to what came since', () => {
    const a = new TelemetryAggregator(100);
    a.call(T, 7, 'assign', 'new', '', 3, false);
    a.signal(T, 9, 'cache_age_s', 40);
    const failed = a.drain();
    a.call(T, 7, 'assign', 'new', '', 3, false);
    a.signal(T, 9, 'cache_age_s', 50);
    a.restore(failed);
    const { buckets, signals } = a.drain();
    expect(buckets).toEqual([
      expect.objectContaining({ calls: 2, latencyMsSum: 6, histogram: [2, 0, 0, 0, 0, 0, 0, 0, 0, 0] }),
    ]);
    expect(signals).toEqual([expect.objectContaining({ count: 2, sum: 90, max: 50 })]);
  });

  it('holds at most maxKeys keys per table and counts what it leaves out', () => {
    const a = new TelemetryAggregator(2);
    for (const op of ['a', 'b', 'c', 'c']) a.call(T, 7, op, 'new', '', 1, false);
    a.call(T, 7, 'a', 'new', '', 1, false);
    for (const name of ['x', 'y', 'z']) a.signal(T, 7, name);
    expect(a.takeDropped()).toBe(3);
    const failed = a.drain();
    expect(failed.buckets.map((b) => [b.operation, b.calls])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    a.call(T, 7, 'd', 'new', '', 1, false);
    a.call(T, 7, 'e', 'new', '', 1, false);
    a.restore(failed);
    expect(a.takeDropped()).toBe(3);
    expect(a.takeDropped()).toBe(0);
    expect(a.drain().buckets.map((b) => b.operation)).toEqual(['d', 'e']);
  });

  it('cuts names to the columns width', () => {
    const a = new TelemetryAggregator(10);
    a.call(T, 7, 'o'.repeat(80), 'fallback', 'r'.repeat(80), 1, false);
    const [row] = a.drain().buckets;
    expect([row.operation.length, row.reason.length]).toEqual([64, 64]);
  });
});
