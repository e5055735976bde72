import { differenceSequence, rate, type ProportionSample } from './confidence-sequence.js';
import {
  GUARDRAIL_THRESHOLDS as T,
  deviationClass,
  relativeDeviation,
  tooManyFallbacks,
} from './guardrail-thresholds.js';

/** What a guardrail says about the stage: `insufficient` until it has the sample to judge. */
export type Verdict = 'healthy' | 'insufficient' | 'pause' | 'rollback';

export interface GuardrailResult {
  readonly guardrail: string;
  readonly verdict: Verdict;
  /** The measured values and the threshold, in words: the rollback's reason quotes it. */
  readonly detail: string;
  readonly evidence: Readonly<Record<string, number>>;
}

/** A share as the guardrails' texts print it. */
export const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const SEVERITY: Record<Verdict, number> = { insufficient: 0, healthy: 1, pause: 2, rollback: 3 };

/** The most severe verdict of a set; `healthy` when none breached, including when none could judge yet (see allJudged). */
export function worst(results: readonly GuardrailResult[]): Verdict {
  return results.reduce<Verdict>((acc, r) => (SEVERITY[r.verdict] > SEVERITY[acc] ? r.verdict : acc), 'healthy');
}

export function allJudged(results: readonly GuardrailResult[]): boolean {
  return results.every((r) => r.verdict !== 'insufficient');
}

/**
 * A rate of the new path against its baseline (legacy in the same window, or the stage before).
 * It breaches only when the confidence sequence shows harm, and its class is that of the
 * smallest harm the sequence still allows (its bound nearest zero): noise can neither breach
 * nor inflate a breach, however often the guard looks.
 */
export function rateGuardrail(
  guardrail: string,
  candidate: ProportionSample,
  baseline: ProportionSample,
  harmful: 'increase' | 'decrease',
  baselineName = 'legacy',
): GuardrailResult {
  const newRate = rate(candidate);
  const baseRate = rate(baseline);
  const evidence = {
    newEvents: candidate.events,
    newTrials: candidate.trials,
    baselineEvents: baseline.events,
    baselineTrials: baseline.trials,
  };
  const measured = `new ${pct(newRate)} (${candidate.events}/${candidate.trials}) vs ${baselineName} ${pct(baseRate)} (${baseline.events}/${baseline.trials})`;
  if (candidate.trials < T.minSample || baseline.trials < T.minSample) {
    return { guardrail, verdict: 'insufficient', detail: `${measured}, sample below ${T.minSample}`, evidence };
  }
  const interval = differenceSequence(candidate, baseline, T.alpha, T.tuningSample);
  const leastHarm = harmful === 'increase' ? interval.lower : -interval.upper;
  const deviation = Math.max(0, relativeDeviation(leastHarm, baseRate));
  const cls = deviationClass(deviation);
  const verdict: Verdict = cls === 'tolerable' ? 'healthy' : cls;
  const limit = cls === 'rollback' ? `> ${pct(T.deviation.rollback)}` : `> ${pct(T.deviation.pause)}`;
  const detail =
    verdict === 'healthy'
      ? `${measured}, deviation at least ${pct(deviation)} within ${pct(T.deviation.pause)}`
      : `${measured}, deviation at least ${pct(deviation)} ${limit} (${String(1 - T.alpha)} confidence sequence)`;
  return { guardrail, verdict, detail, evidence: { ...evidence, deviation } };
}

/** p95 latency ratio of the new path over its baseline, with the factory's absolute mean-time rule. */
export function latencyGuardrail(
  candidate: { p95: number; meanMs: number; calls: number },
  baseline: { p95: number; calls: number },
  baselineName = 'legacy',
): GuardrailResult {
  const ratio = baseline.p95 > 0 ? candidate.p95 / baseline.p95 : 1;
  const evidence = { newP95: candidate.p95, baselineP95: baseline.p95, ratio, newMeanMs: candidate.meanMs };
  const measured = `p95 new ${candidate.p95.toFixed(1)} ms vs ${baselineName} ${baseline.p95.toFixed(1)} ms (ratio ${ratio.toFixed(2)})`;
  if (candidate.calls >= T.latency.absoluteMinCalls && candidate.meanMs > T.latency.absoluteMeanMs) {
    return {
      guardrail: 'latency',
      verdict: 'rollback',
      detail: `mean ${candidate.meanMs.toFixed(0)} ms > ${String(T.latency.absoluteMeanMs)} ms`,
      evidence,
    };
  }
  if (candidate.calls < T.latency.minSample || baseline.calls < T.latency.minSample) {
    return {
      guardrail: 'latency',
      verdict: 'insufficient',
      detail: `${measured}, sample below ${String(T.latency.minSample)}`,
      evidence,
    };
  }
  if (ratio > T.latency.rollbackRatio)
    return {
      guardrail: 'latency',
      verdict: 'rollback',
      detail: `${measured} > ${String(T.latency.rollbackRatio)}`,
      evidence,
    };
  if (ratio > T.latency.pauseRatio)
    return {
      guardrail: 'latency',
      verdict: 'pause',
      detail: `${measured} > ${String(T.latency.pauseRatio)}`,
      evidence,
    };
  return {
    guardrail: 'latency',
    verdict: 'healthy',
    detail: `${measured} within ${String(T.latency.pauseRatio)}`,
    evidence,
  };
}

/** The factory's absolute rule; it needs no sample: six fallbacks are six fallbacks. */
export function fallbackCountGuardrail(fallbacksInWindow: number): GuardrailResult {
  const hours = T.fallbacks.windowMinutes / 60;
  const detail = `${String(fallbacksInWindow)} fallbacks in ${String(hours)} h (limit ${String(T.fallbacks.maxCount)})`;
  return {
    guardrail: 'fallback count',
    verdict: tooManyFallbacks(fallbacksInWindow) ? 'rollback' : 'healthy',
    detail: tooManyFallbacks(fallbacksInWindow) ? `${detail}: more than the limit` : detail,
    evidence: { fallbacks: fallbacksInWindow, limit: T.fallbacks.maxCount },
  };
}

/**
 * The shadow gate: shadow mode leaves its stage only after its minimum duration, with no more
 * disagreement than the threshold over the trailing minimum duration (the factory: a week
 * without discrepancies; the evidence counts that window). It holds; it never rolls back (the
 * shadow acts on nothing).
 */
export function shadowGate(
  ranMinutes: number,
  minDurationMinutes: number,
  disagreements: number,
  compared: number,
): GuardrailResult {
  const share = compared === 0 ? 0 : disagreements / compared;
  const evidence = { ranMinutes, minDurationMinutes, disagreements, compared };
  const measured = `${String(disagreements)} disagreements in ${String(compared)} compared (${pct(share)}), limit ${pct(T.shadow.maxDisagreementRate)}`;
  if (share > T.shadow.maxDisagreementRate)
    return { guardrail: 'shadow disagreement', verdict: 'pause', detail: measured, evidence };
  if (ranMinutes < minDurationMinutes)
    return {
      guardrail: 'shadow disagreement',
      verdict: 'insufficient',
      detail: `${measured}; ran ${String(ranMinutes)} of ${String(minDurationMinutes)} min`,
      evidence,
    };
  return { guardrail: 'shadow disagreement', verdict: 'healthy', detail: measured, evidence };
}
