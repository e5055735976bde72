import { emptyHistogram } from '../telemetry/latency-histogram.js';
import type { PathTotals } from '../telemetry/path-telemetry.types.js';
import { addTotals, figuresOf, fillOf, shadowOf } from './rollout-evidence.js';

const signal = (name: string, count: number) => ({ signal: name, count, sum: 0, max: 0 });
const totals = (path: PathTotals['path'], calls: number, errors = 0): PathTotals => {
  const histogram = emptyHistogram();
  histogram[3] = calls;
  return {
    operation: 'scan',
    path,
    reason: path === 'fallback' ? 'error' : '',
    calls,
    errors,
    latencyMsSum: calls * 40,
    histogram,
  };
};

describe('rollout evidence', () => {
  it("counts Phase 8's shadow results: agreements, discrepancies of any kind, and not the scans it did not compare", () => {
    const shadow = shadowOf([
      signal('shadow_agree', 90),
      signal('shadow_different_move', 4),
      signal('shadow_no_rule', 1),
      signal('shadow_not_oem', 500),
      signal('candidates_found', 7),
    ]);
    expect(shadow).toEqual({ compared: 95, disagreements: 5 });
    expect(fillOf([signal('candidates_found', 7), signal('no_candidate', 3)])).toEqual({ events: 7, trials: 10 });
  });

  it('sums windows by operation, path and reason without changing a kept sum', () => {
    const kept = [totals('new', 10)];
    const sum = addTotals(kept, [totals('new', 5, 1), totals('fallback', 2)]);
    expect(kept[0].calls).toBe(10);
    expect(kept[0].histogram[3]).toBe(10);
    expect(figuresOf(sum, ['new', 'fallback'])).toMatchObject({
      calls: 17,
      errors: 1,
      fallbacks: 2,
      latencyMsSum: 680,
    });
    expect(figuresOf(sum, ['legacy'])).toMatchObject({ calls: 0, p95Ms: null });
  });

  it("counts as fallbacks only the new path's failures: a decline (no candidate) is the new path's answer", () => {
    const declined = { ...totals('fallback', 40), reason: 'no_candidate' };
    expect(figuresOf([totals('new', 100), totals('fallback', 3), declined], ['new', 'fallback'])).toMatchObject({
      calls: 143,
      fallbacks: 3,
    });
  });
});
