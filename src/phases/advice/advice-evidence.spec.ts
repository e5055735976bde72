import { emptyHistogram } from '../telemetry/latency-histogram.js';
import type { PathTotals } from '../telemetry/path-telemetry.types.js';
import { comparisonsOf, fallbacksOf, sideOf } from './advice-evidence.js';
import { parseMinutes } from './advice-window.js';

const row = (path: PathTotals['path'], calls: number, bucket: number, operation = 'op'): PathTotals => ({
  operation,
  path,
  reason: path === 'fallback' ? 'error' : '',
  calls,
  errors: 1,
  latencyMsSum: calls * 10,
  histogram: Object.assign(emptyHistogram(), { [bucket]: calls }),
});

describe('advice evidence', () => {
  it("sums each side as the guard does: the new path's calls include those that fell back", () => {
    const totals = [row('new', 90, 1, 'a'), row('new', 5, 5, 'b'), row('fallback', 5, 5), row('legacy', 50, 0)];
    // 95th of 100 calls: the 5th of the 10 in the 100-250 ms bucket
    expect(sideOf(totals, 'new')).toEqual({ calls: 100, errors: 3, latencyMsSum: 1000, p95Ms: 175 });
    expect(sideOf(totals, 'legacy')).toMatchObject({ calls: 50, errors: 1 });
    expect(fallbacksOf(totals)).toBe(5);
    expect(sideOf([], 'new')).toEqual({ calls: 0, errors: 0, latencyMsSum: 0, p95Ms: null });
  });

  it("reads Phase 8's shadow signals: every kind but not_oem is compared, all but agree disagree", () => {
    const signal = (name: string, count: number) => ({ signal: name, count, sum: count, max: 1 });
    expect(
      comparisonsOf([
        signal('shadow_agree', 90),
        signal('shadow_different_move', 6),
        signal('shadow_no_rule', 4),
        signal('shadow_not_oem', 500),
        signal('candidates_found', 70),
      ]),
    ).toEqual({ compared: 100, disagreed: 10 });
    expect(comparisonsOf([signal('candidates_found', 70)])).toBeNull();
    expect(comparisonsOf([signal('shadow_refused', 2)])).toEqual({ compared: 2, disagreed: 2 });
  });

  it('reads durations as operators write them, refusing the rest per field', () => {
    expect([parseMinutes('30m', 'w'), parseMinutes('24h', 'w'), parseMinutes('7d', 'w')]).toEqual([30, 1440, 10080]);
    for (const bad of ['0m', '31d', '24', 'h', '1.5h', '-1h'])
      expect(() => parseMinutes(bad, 'window')).toThrow(
        expect.objectContaining({
          details: { errors: [{ field: 'window', messages: [expect.stringMatching(/^must be a duration/)] }] },
        }),
      );
  });
});
