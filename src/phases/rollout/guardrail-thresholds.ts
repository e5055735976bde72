/**
 * The factory's rollout thresholds, in one place: the rollout guard judges stages with them and
 * the rollback advice reads them, so the two can never disagree. Sources (the factory's own
 * procedures): more than 5 fallbacks in 24 hours rolls back; a deviation over 10% is an
 * emergency (rollback), 2-10% a planned action (pause); an average solve time far above normal
 * (their example: 30 s) rolls back; shadow mode runs at least a week without discrepancies
 * before anything acts; re-enable by the lowest-volume scope first, 24 to 72 hours per step.
 */
export const GUARDRAIL_THRESHOLDS = Object.freeze({
  /** The absolute rule: more than `maxCount` fallbacks of the new path inside `windowMinutes` rolls back. */
  fallbacks: Object.freeze({ maxCount: 5, windowMinutes: 24 * 60 }),
  /**
   * Deviation classes of a rate, relative to its baseline (see `relativeDeviation`): above
   * `rollback` rolls back (the factory's emergency), above `pause` holds the stage (planned).
   */
  deviation: Object.freeze({ pause: 0.02, rollback: 0.1 }),
  /**
   * A deviation is measured against max(baseline rate, this floor): against a near-zero
   * baseline any single event would otherwise be an "infinite" deviation.
   */
  baselineRateFloor: 0.01,
  /** The sequential test's error rate over the whole stage, however often it is checked. */
  alpha: 0.05,
  /** Trials each side needs before a rate guardrail may judge. */
  minSample: 200,
  /**
   * The sample size the confidence sequence is tuned for (tightest around it): a few hours of a
   * busy phase; smaller and larger samples stay valid, only a little wider.
   */
  tuningSample: 5000,
  /**
   * p95 latency of the new path over the baseline's. A ratio is not a deviation of a rate and
   * the histogram's buckets are coarse, so its classes are wider than the rates'.
   */
  latency: Object.freeze({
    pauseRatio: 1.25,
    rollbackRatio: 1.5,
    minSample: 500,
    absoluteMeanMs: 30_000,
    // one call that waited out a lock must not roll a phase back: the mean judges from this many calls
    absoluteMinCalls: 20,
  }),
  /** Shadow mode: at least a week, and no more disagreements than this share of compared calls. */
  shadow: Object.freeze({ minDurationMinutes: 7 * 24 * 60, maxDisagreementRate: 0 }),
  /** A stage's defaults when a plan names none: the factory's 24 h watch and a minimum sample. */
  stage: Object.freeze({ minDurationMinutes: 24 * 60, minSample: 500 }),
});

export type DeviationClass = 'rollback' | 'pause' | 'tolerable';

/** The factory's decision on a deviation (a share: 0.12 is 12%). */
export function deviationClass(deviation: number): DeviationClass {
  if (deviation > GUARDRAIL_THRESHOLDS.deviation.rollback) return 'rollback';
  if (deviation > GUARDRAIL_THRESHOLDS.deviation.pause) return 'pause';
  return 'tolerable';
}

/** A harmful difference of two rates (absolute points) as a share of the baseline rate, floored. */
export function relativeDeviation(harm: number, baselineRate: number): number {
  return harm / Math.max(baselineRate, GUARDRAIL_THRESHOLDS.baselineRateFloor);
}

/** The absolute fallback rule. */
export function tooManyFallbacks(fallbacksInWindow: number): boolean {
  return fallbacksInWindow > GUARDRAIL_THRESHOLDS.fallbacks.maxCount;
}
