/**
 * The factory's rollback decision tree, as a pure function of the evidence one phase left in a
 * window of path telemetry and of its current state. The answer names the rule that decided and
 * every measured value with the threshold it was compared with, so an operator can check it.
 *
 * The tree, in the order it is asked:
 *  1. nothing new runs (flags off or kill switch on): no action, the legacy path already serves;
 *  2. failures reach callers (the new path's own error rate over its limit): emergency;
 *  3. results deviate from the legacy path by more than the severe limit (10%): emergency;
 *  4. a fix is expected within the hour and the issue is not an emergency: fix forward;
 *  5. results deviate by more than the planned limit (2%) while the new path acts: planned rollback
 *     (wrong results); while it only shadows: pause, keep it in shadow;
 *  6. more fallbacks than allowed per 24 hours: planned rollback (the factory's automatic trigger);
 *  7. the new path is slower than the p95 ratio allows: pause (monitor and investigate);
 *  8. otherwise no action: healthy, or too few calls to judge the rates.
 * Rates are judged only on the minimum sample; a fallback count needs none.
 */

export type AdviceKind = 'emergency' | 'planned_rollback' | 'pause' | 'fix_forward' | 'no_action';

export type AdviceRule =
  | 'phase-off'
  | 'blocking-failure'
  | 'severe-deviation'
  | 'fix-forward'
  | 'wrong-results'
  | 'shadow-disagreement'
  | 'repeated-fallbacks'
  | 'slow-new-path'
  | 'too-little-data'
  | 'healthy';

/** The limits the tree compares with; the rollout guard's thresholds supply them. */
export interface AdviceThresholds {
  /** more than this many fallbacks per 24 hours asks for a rollback */
  maxFallbacksPer24h: number;
  /** deviation (0..1) above which the results are wrong enough for an emergency */
  severeDeviation: number;
  /** deviation (0..1) above which a planned rollback (or a held shadow) is due */
  plannedDeviation: number;
  /** the new path's own error rate (0..1) above which its failures count as blocking */
  maxErrorRate: number;
  /** p95 of the new path over p95 of the legacy path above which it is too slow */
  maxP95Ratio: number;
  /** calls (or comparisons) a rate needs before it may judge */
  minSample: number;
  /** a fix expected within this many minutes may go forward instead of a rollback */
  fixForwardMinutes: number;
}

export interface PathCounts {
  calls: number;
  errors: number;
  /** null when the window holds no latency */
  p95Ms: number | null;
}

export interface PhaseEvidence {
  phase: number;
  window: { from: string; to: string; minutes: number };
  /** some acting (not shadow) flag of the phase is on for the code */
  acting: boolean;
  /** some shadow flag is on for the code */
  shadowing: boolean;
  /** the new path: calls it answered, errors that reached callers, its p95 */
  newPath: PathCounts;
  legacy: PathCounts;
  /** calls where the new path failed or declined and the legacy path answered instead */
  fallbacks: number;
  /** shadow comparisons of the new path's result with the legacy one; null when the phase has none */
  comparisons: { compared: number; disagreed: number } | null;
  /** an operator's estimate of a fix, in minutes; null when none was given */
  fixEtaMinutes: number | null;
}

export interface Measure {
  name: 'error-rate' | 'deviation' | 'fallbacks-per-24h' | 'p95-ratio' | 'fix-eta';
  /** null when it could not be measured (no calls, no latency, no comparisons) */
  value: number | null;
  threshold: number;
  sample: number | null;
  /** whether it had enough sample to judge */
  judged: boolean;
  /** over its threshold; for the fix estimate: within it */
  breached: boolean;
}

export interface Advice {
  phase: number;
  advice: AdviceKind;
  rule: AdviceRule;
  /** the rule's reason in words, with the values that decided */
  why: string;
  measures: Measure[];
  evidence: PhaseEvidence;
  thresholds: AdviceThresholds;
}

const DAY_MINUTES = 24 * 60;

export function adviseRollback(evidence: PhaseEvidence, thresholds: AdviceThresholds): Advice {
  const m = measure(evidence, thresholds);
  const decide = (advice: AdviceKind, rule: AdviceRule, why: string): Advice => ({
    phase: evidence.phase,
    advice,
    rule,
    why,
    measures: [m.errorRate, m.deviation, m.fallbacks, m.p95Ratio, m.fixEta],
    evidence,
    thresholds,
  });
  const pct = (v: number | null) => (v === null ? '-' : `${round(v * 100)}%`);

  if (!evidence.acting && !evidence.shadowing) {
    return decide('no_action', 'phase-off', 'no flag of the phase is on: the legacy path serves every call');
  }
  if (evidence.acting && m.errorRate.breached) {
    return decide(
      'emergency',
      'blocking-failure',
      `the new path's failures reach callers: error rate ${pct(m.errorRate.value)} > ${pct(thresholds.maxErrorRate)}`,
    );
  }
  if (evidence.acting && m.deviation.judged && (m.deviation.value ?? 0) > thresholds.severeDeviation) {
    return decide(
      'emergency',
      'severe-deviation',
      `results deviate from the legacy path by ${pct(m.deviation.value)} > ${pct(thresholds.severeDeviation)}`,
    );
  }
  const issue = plannedOrPause(evidence, m, thresholds, pct);
  if (!issue) {
    const thin = [m.errorRate, m.deviation, m.p95Ratio].some((x) => x.value !== null && !x.judged);
    return thin && evidence.newPath.calls < thresholds.minSample
      ? decide(
          'no_action',
          'too-little-data',
          `${evidence.newPath.calls} calls on the new path, fewer than the ${thresholds.minSample} a rate needs`,
        )
      : decide('no_action', 'healthy', 'no threshold is breached');
  }
  if (m.fixEta.breached) {
    return decide(
      'fix_forward',
      'fix-forward',
      `${issue.why}; a fix is expected in ${evidence.fixEtaMinutes} min <= ${thresholds.fixForwardMinutes} min`,
    );
  }
  return decide(issue.advice, issue.rule, issue.why);
}

interface Measures {
  errorRate: Measure;
  deviation: Measure;
  fallbacks: Measure;
  p95Ratio: Measure;
  fixEta: Measure;
}

function plannedOrPause(
  e: PhaseEvidence,
  m: Measures,
  t: AdviceThresholds,
  pct: (v: number | null) => string,
): { advice: AdviceKind; rule: AdviceRule; why: string } | null {
  if (m.deviation.breached) {
    return e.acting
      ? {
          advice: 'planned_rollback',
          rule: 'wrong-results',
          why: `results deviate from the legacy path by ${pct(m.deviation.value)} > ${pct(t.plannedDeviation)}`,
        }
      : {
          advice: 'pause',
          rule: 'shadow-disagreement',
          why: `the shadow disagrees with the legacy path in ${pct(m.deviation.value)} > ${pct(t.plannedDeviation)} of comparisons: keep it in shadow`,
        };
  }
  if (e.acting && m.fallbacks.breached) {
    return {
      advice: 'planned_rollback',
      rule: 'repeated-fallbacks',
      why: `${e.fallbacks} fallbacks in ${e.window.minutes} min (${round(m.fallbacks.value ?? 0)} per 24 h) > ${t.maxFallbacksPer24h}`,
    };
  }
  if (e.acting && m.p95Ratio.breached) {
    return {
      advice: 'pause',
      rule: 'slow-new-path',
      why: `the new path's p95 is ${round(m.p95Ratio.value ?? 0)}x the legacy path's > ${t.maxP95Ratio}x: hold and investigate`,
    };
  }
  return null;
}

function measure(e: PhaseEvidence, t: AdviceThresholds): Measures {
  const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const judged = (sample: number) => sample >= t.minSample;
  const errorRate = rate(e.newPath.errors, e.newPath.calls);
  const deviation = e.comparisons ? rate(e.comparisons.disagreed, e.comparisons.compared) : null;
  const deviationSample = e.comparisons?.compared ?? null;
  // the factory counts fallbacks per 24 hours: a shorter or longer window is scaled to a day
  const perDay = e.window.minutes > 0 ? (e.fallbacks * DAY_MINUTES) / e.window.minutes : null;
  const p95Ratio =
    e.newPath.p95Ms !== null && e.legacy.p95Ms !== null && e.legacy.p95Ms > 0 ? e.newPath.p95Ms / e.legacy.p95Ms : null;
  const p95Sample = Math.min(e.newPath.calls, e.legacy.calls);
  return {
    errorRate: judge('error-rate', errorRate, t.maxErrorRate, e.newPath.calls, judged(e.newPath.calls)),
    deviation: judge('deviation', deviation, t.plannedDeviation, deviationSample, judged(deviationSample ?? 0)),
    fallbacks: judge('fallbacks-per-24h', perDay, t.maxFallbacksPer24h, e.fallbacks, true),
    p95Ratio: judge('p95-ratio', p95Ratio, t.maxP95Ratio, p95Sample, judged(p95Sample)),
    fixEta: {
      name: 'fix-eta',
      value: e.fixEtaMinutes,
      threshold: t.fixForwardMinutes,
      sample: null,
      judged: e.fixEtaMinutes !== null,
      breached: e.fixEtaMinutes !== null && e.fixEtaMinutes <= t.fixForwardMinutes,
    },
  };
}

function judge(
  name: Measure['name'],
  value: number | null,
  threshold: number,
  sample: number | null,
  enough: boolean,
): Measure {
  const judged = value !== null && enough;
  return { name, value, threshold, sample, judged, breached: judged && value > threshold };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
