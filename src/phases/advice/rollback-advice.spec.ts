import { GUARDRAIL_THRESHOLDS } from '../rollout/guardrail-thresholds.js';
import { adviseRollback, type AdviceKind, type AdviceRule, type PhaseEvidence } from './rollback-advice.js';

/** An acting phase: 5,000 calls on each path in 24 hours, 1% errors on both, 5,000 results compared, all alike. */
function healthy(): PhaseEvidence {
  return {
    phase: 8,
    window: { from: '2026-12-05T12:00:00.000Z', to: '2026-12-06T12:00:00.000Z', minutes: 24 * 60 },
    acting: true,
    shadowing: true,
    newPath: { calls: 5000, errors: 50, latencyMsSum: 5000 * 8, p95Ms: 12 },
    legacy: { calls: 5000, errors: 50, latencyMsSum: 5000 * 7, p95Ms: 11 },
    fallbacks: 0,
    fallbacksInRuleWindow: 0,
    comparisons: { compared: 5000, disagreed: 0 },
    fixEtaMinutes: null,
  };
}

type Change = (e: PhaseEvidence) => void;
const all =
  (...changes: Change[]): Change =>
  (e) => {
    for (const c of changes) c(e);
  };
/** of 5,000 compared results */
const disagreed =
  (n: number): Change =>
  (e) => {
    e.comparisons = { compared: 5000, disagreed: n };
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
const fallbacks =
  (n: number): Change =>
  (e) => {
    e.fallbacks = e.fallbacksInRuleWindow = n;
  };
const p95 =
  (ms: number): Change =>
  (e) => {
    e.newPath.p95Ms = ms;
  };
const shadowOnly: Change = (e) => {
  e.acting = false;
};
/** error rates around 20% on 100,000 calls a side: enough for the sequential test to place a small harm */
const errorRates =
  (legacy: number, fresh: number): Change =>
  (e) => {
    e.legacy = { ...e.legacy, calls: 100_000, errors: legacy };
    e.newPath = { ...e.newPath, calls: 100_000, errors: fresh };
  };

// situation -> the tree's answer and the rule that gave it
const table: Array<[string, Change, AdviceKind, AdviceRule]> = [
  ['all well', () => undefined, 'no_action', 'healthy'],
  [
    'every flag off, failures or not',
    all(shadowOnly, (e) => (e.shadowing = false), newErrors(900)),
    'no_action',
    'phase-off',
  ],
  ["the new path's errors reach callers: 5% against 1%", newErrors(250), 'emergency', 'blocking-failure'],
  [
    'a blocking failure with a fix in 10 min is still an emergency',
    all(newErrors(250), fixIn(10)),
    'emergency',
    'blocking-failure',
  ],
  [
    'errors 21.5% against 20%: 2-10% above the legacy path',
    errorRates(20_000, 21_500),
    'planned_rollback',
    'more-errors',
  ],
  ['errors 20.2% against 20%: noise, not a deviation', errorRates(20_000, 20_200), 'no_action', 'healthy'],
  ['one more error on 5,000 calls is noise', newErrors(51), 'no_action', 'healthy'],
  [
    'errors on 100 calls a side are not judged',
    all(
      (e) => (e.newPath = { calls: 100, errors: 50, latencyMsSum: 800, p95Ms: 12 }),
      (e) => (e.legacy = { calls: 100, errors: 0, latencyMsSum: 700, p95Ms: 11 }),
    ),
    'no_action',
    'too-little-data',
  ],
  ['results deviate 11% (> 10%)', disagreed(550), 'emergency', 'severe-deviation'],
  [
    'results deviate 11% with a fix in 30 min: still an emergency',
    all(disagreed(550), fixIn(30)),
    'emergency',
    'severe-deviation',
  ],
  ['results deviate exactly 10%: planned, not emergency', disagreed(500), 'planned_rollback', 'wrong-results'],
  ['results deviate 5% (wrong results)', disagreed(250), 'planned_rollback', 'wrong-results'],
  ['wrong results with a fix in 45 min', all(disagreed(250), fixIn(45)), 'fix_forward', 'fix-forward'],
  ['wrong results with a fix in exactly 60 min', all(disagreed(250), fixIn(60)), 'fix_forward', 'fix-forward'],
  ['wrong results with a fix in 90 min', all(disagreed(250), fixIn(90)), 'planned_rollback', 'wrong-results'],
  ['results deviate exactly 2%: within the limit', disagreed(100), 'no_action', 'healthy'],
  [
    'deviation on 100 comparisons is not judged',
    (e) => (e.comparisons = { compared: 100, disagreed: 50 }),
    'no_action',
    'too-little-data',
  ],
  [
    'shadow only, 1 disagreement in 5,000: keep it in shadow',
    all(shadowOnly, disagreed(1)),
    'pause',
    'shadow-disagreement',
  ],
  [
    'shadow only, 30% disagree: no emergency, nothing acts',
    all(shadowOnly, disagreed(1500)),
    'pause',
    'shadow-disagreement',
  ],
  ['shadow only, its errors reach nobody', all(shadowOnly, newErrors(2500)), 'no_action', 'healthy'],
  ['shadow only with a fix in 20 min', all(shadowOnly, disagreed(5), fixIn(20)), 'fix_forward', 'fix-forward'],
  ['6 fallbacks in 24 h', fallbacks(6), 'planned_rollback', 'repeated-fallbacks'],
  ['5 fallbacks in 24 h are allowed', fallbacks(5), 'no_action', 'healthy'],
  [
    '6 fallbacks with only 10 calls: a count needs no sample',
    all(fallbacks(6), (e) => (e.newPath = { calls: 10, errors: 0, latencyMsSum: 80, p95Ms: 12 })),
    'planned_rollback',
    'repeated-fallbacks',
  ],
  [
    '9 fallbacks in a 72 h window, 3 of them in the last 24 h',
    all(fallbacks(9), (e) => (e.fallbacksInRuleWindow = 3)),
    'no_action',
    'healthy',
  ],
  ['6 fallbacks with a fix in 20 min', all(fallbacks(6), fixIn(20)), 'fix_forward', 'fix-forward'],
  ['p95 1.36x the legacy path: monitor and investigate', p95(15), 'pause', 'slow-new-path'],
  ['p95 1.82x the legacy path', p95(20), 'planned_rollback', 'slow-new-path'],
  ['a mean over 30 s', (e) => (e.newPath.latencyMsSum = 5000 * 31_000), 'planned_rollback', 'slow-new-path'],
  ['slow with a fix in 15 min', all(p95(20), fixIn(15)), 'fix_forward', 'fix-forward'],
  ['p95 1.18x is within the limit', p95(13), 'no_action', 'healthy'],
  [
    'no legacy calls, no latency to compare',
    (e) => (e.legacy = { calls: 0, errors: 0, latencyMsSum: 0, p95Ms: null }),
    'no_action',
    'too-little-data',
  ],
  [
    'wrong results outrank fallbacks and latency',
    all(disagreed(250), fallbacks(9), p95(50)),
    'planned_rollback',
    'wrong-results',
  ],
  ['fallbacks outrank latency', all(fallbacks(9), p95(50)), 'planned_rollback', 'repeated-fallbacks'],
  ['blocking outranks wrong results', all(newErrors(250), disagreed(250)), 'emergency', 'blocking-failure'],
  ['a fix estimate without an issue changes nothing', fixIn(10), 'no_action', 'healthy'],
  ['a phase that makes no comparisons', (e) => (e.comparisons = null), 'no_action', 'healthy'],
];

describe('adviseRollback: the decision tree', () => {
  const rows = table.map(([situation, change, advice, rule]) => ({ situation, change, advice, rule }));
  it.each(rows)('$situation -> $advice ($rule)', ({ change, advice, rule }) => {
    const evidence = healthy();
    change(evidence);
    const answer = adviseRollback(evidence);
    expect({ advice: answer.advice, rule: answer.rule }).toEqual({ advice, rule });
  });

  it("measures with the guard's thresholds, and shows each guardrail's values and verdict", () => {
    const evidence = healthy();
    disagreed(250)(evidence);
    fallbacks(3)(evidence);
    const answer = adviseRollback(evidence);
    expect(answer.why).toBe(
      'result deviation: 250 of 5000 compared results differ from the legacy path (5.00%) > 2.00%',
    );
    expect(answer.guardrails.map((g) => [g.guardrail, g.verdict])).toEqual([
      ['error rate', 'healthy'],
      ['fallback count', 'healthy'],
      ['result deviation', 'pause'],
      ['latency', 'healthy'],
    ]);
    expect(answer.guardrails[1].evidence).toEqual({ fallbacks: 3, limit: GUARDRAIL_THRESHOLDS.fallbacks.maxCount });
    expect(answer.guardrails[2].evidence).toEqual({ compared: 5000, disagreed: 250, deviation: 0.05 });
    expect(answer.evidence).toBe(evidence);
  });
});
