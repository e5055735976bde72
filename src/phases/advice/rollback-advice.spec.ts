import {
  adviseRollback,
  type AdviceKind,
  type AdviceRule,
  type AdviceThresholds,
  type PhaseEvidence,
} from './rollback-advice.js';

const thresholds: AdviceThresholds = {
  maxFallbacksPer24h: 5,
  severeDeviation: 0.1,
  plannedDeviation: 0.02,
  maxErrorRate: 0.05,
  maxP95Ratio: 2,
  minSample: 100,
  fixForwardMinutes: 60,
};

/** A phase that acts, ran 1,000 calls on each path in 24 hours, compared 1,000 results, all well. */
function healthy(): PhaseEvidence {
  return {
    phase: 8,
    window: { from: '2026-12-05T12:00:00.000Z', to: '2026-12-06T12:00:00.000Z', minutes: 24 * 60 },
    acting: true,
    shadowing: true,
    newPath: { calls: 1000, errors: 0, p95Ms: 12 },
    legacy: { calls: 1000, errors: 0, p95Ms: 10 },
    fallbacks: 0,
    comparisons: { compared: 1000, disagreed: 0 },
    fixEtaMinutes: null,
  };
}

type Change = (e: PhaseEvidence) => void;
const disagreed =
  (n: number): Change =>
  (e) => {
    e.comparisons = { compared: 1000, disagreed: n };
  };
const all =
  (...changes: Change[]): Change =>
  (e) => {
    for (const c of changes) c(e);
  };
const fixIn =
  (minutes: number): Change =>
  (e) => {
    e.fixEtaMinutes = minutes;
  };
const newErrors =
  (n: number): Change =>
  (e) => {
    e.newPath.errors = n;
  };
const shadowOnly: Change = (e) => {
  e.acting = false;
};

// situation -> the tree's answer and the rule that gave it
const table: Array<[string, Change, AdviceKind, AdviceRule]> = [
  ['all well', () => undefined, 'no_action', 'healthy'],
  [
    'every flag off, even with failures in the window',
    all(shadowOnly, (e) => (e.shadowing = false), newErrors(900)),
    'no_action',
    'phase-off',
  ],
  ["new path's errors reach callers (6% > 5%)", newErrors(60), 'emergency', 'blocking-failure'],
  [
    'blocking failure with a fix in 10 min: still an emergency',
    all(newErrors(60), fixIn(10)),
    'emergency',
    'blocking-failure',
  ],
  ['error rate at the limit (5%) is not over it', newErrors(50), 'no_action', 'healthy'],
  [
    'errors on too few calls are not judged',
    (e) => (e.newPath = { calls: 20, errors: 10, p95Ms: 12 }),
    'no_action',
    'too-little-data',
  ],
  ['deviation 11% > 10%', disagreed(110), 'emergency', 'severe-deviation'],
  [
    'deviation 11% with a fix in 30 min: still an emergency',
    all(disagreed(110), fixIn(30)),
    'emergency',
    'severe-deviation',
  ],
  ['deviation exactly 10% is planned, not emergency', disagreed(100), 'planned_rollback', 'wrong-results'],
  ['deviation 5% (wrong results)', disagreed(50), 'planned_rollback', 'wrong-results'],
  ['deviation 5% with a fix in 45 min', all(disagreed(50), fixIn(45)), 'fix_forward', 'fix-forward'],
  ['deviation 5% with a fix in exactly 60 min', all(disagreed(50), fixIn(60)), 'fix_forward', 'fix-forward'],
  ['deviation 5% with a fix in 90 min', all(disagreed(50), fixIn(90)), 'planned_rollback', 'wrong-results'],
  ['deviation 2% is within the limit', disagreed(20), 'no_action', 'healthy'],
  ['shadow only, disagreeing 5%: keep it in shadow', all(shadowOnly, disagreed(50)), 'pause', 'shadow-disagreement'],
  [
    'shadow only, disagreeing 30%: not an emergency, nothing acts',
    all(shadowOnly, disagreed(300)),
    'pause',
    'shadow-disagreement',
  ],
  ['shadow only, new-path errors do not reach callers', all(shadowOnly, newErrors(500)), 'no_action', 'healthy'],
  [
    'deviation on 50 comparisons is not judged',
    (e) => (e.comparisons = { compared: 50, disagreed: 25 }),
    'no_action',
    'healthy',
  ],
  ['6 fallbacks in 24 h', (e) => (e.fallbacks = 6), 'planned_rollback', 'repeated-fallbacks'],
  ['5 fallbacks in 24 h are allowed', (e) => (e.fallbacks = 5), 'no_action', 'healthy'],
  [
    '2 fallbacks in 1 h are 48 per 24 h',
    (e) => {
      e.fallbacks = 2;
      e.window = { ...e.window, minutes: 60 };
    },
    'planned_rollback',
    'repeated-fallbacks',
  ],
  [
    '12 fallbacks in 72 h are 4 per 24 h',
    (e) => {
      e.fallbacks = 12;
      e.window = { ...e.window, minutes: 72 * 60 };
    },
    'no_action',
    'healthy',
  ],
  [
    '6 fallbacks with only 10 calls: a count needs no sample',
    (e) => {
      e.fallbacks = 6;
      e.newPath = { calls: 10, errors: 0, p95Ms: 12 };
    },
    'planned_rollback',
    'repeated-fallbacks',
  ],
  ['6 fallbacks with a fix in 20 min', all((e) => (e.fallbacks = 6), fixIn(20)), 'fix_forward', 'fix-forward'],
  ['p95 3x the legacy path', (e) => (e.newPath.p95Ms = 30), 'pause', 'slow-new-path'],
  ['p95 3x with a fix in 15 min', all((e) => (e.newPath.p95Ms = 30), fixIn(15)), 'fix_forward', 'fix-forward'],
  ['p95 2x is at the limit', (e) => (e.newPath.p95Ms = 20), 'no_action', 'healthy'],
  [
    'p95 without legacy latency is not measured',
    all(
      (e) => (e.newPath.p95Ms = 90),
      (e) => (e.legacy.p95Ms = null),
    ),
    'no_action',
    'healthy',
  ],
  [
    'wrong results outrank fallbacks and latency',
    all(
      disagreed(50),
      (e) => (e.fallbacks = 9),
      (e) => (e.newPath.p95Ms = 50),
    ),
    'planned_rollback',
    'wrong-results',
  ],
  [
    'fallbacks outrank latency',
    all(
      (e) => (e.fallbacks = 9),
      (e) => (e.newPath.p95Ms = 50),
    ),
    'planned_rollback',
    'repeated-fallbacks',
  ],
  ['a fix estimate without an issue changes nothing', fixIn(10), 'no_action', 'healthy'],
  ['a phase with no comparisons and nothing else wrong', (e) => (e.comparisons = null), 'no_action', 'healthy'],
];

describe('adviseRollback: the decision tree', () => {
  const rows = table.map(([situation, change, advice, rule]) => ({ situation, change, advice, rule }));
  it.each(rows)('$situation -> $advice ($rule)', ({ change, advice, rule }) => {
    const evidence = healthy();
    change(evidence);
    const answer = adviseRollback(evidence, thresholds);
    expect({ advice: answer.advice, rule: answer.rule }).toEqual({ advice, rule });
  });

  it('shows the measured values beside their thresholds and says why', () => {
    const evidence = healthy();
    evidence.comparisons = { compared: 400, disagreed: 20 };
    evidence.fallbacks = 3;
    const answer = adviseRollback(evidence, thresholds);
    expect(answer.why).toBe('results deviate from the legacy path by 5% > 2%');
    expect(answer.measures).toEqual([
      { name: 'error-rate', value: 0, threshold: 0.05, sample: 1000, judged: true, breached: false },
      { name: 'deviation', value: 0.05, threshold: 0.02, sample: 400, judged: true, breached: true },
      { name: 'fallbacks-per-24h', value: 3, threshold: 5, sample: 3, judged: true, breached: false },
      { name: 'p95-ratio', value: 1.2, threshold: 2, sample: 1000, judged: true, breached: false },
      { name: 'fix-eta', value: null, threshold: 60, sample: null, judged: false, breached: false },
    ]);
    expect(answer.evidence).toBe(evidence);
    expect(answer.thresholds).toBe(thresholds);
  });
});
