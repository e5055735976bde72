import { GUARDRAIL_THRESHOLDS as T, deviationClass } from '../rollout/guardrail-thresholds.js';
import {
  fallbackCountGuardrail,
  pct,
  latencyGuardrail,
  rateGuardrail,
  shadowGate,
  type GuardrailResult,
} from '../rollout/guardrails.js';

/**
 * The factory's rollback decision tree, as a pure function of what one phase left in a window of
 * path telemetry and of its current flags. The measures are the rollout guard's own guardrails
 * (same thresholds, same sequential test), so the advice and the guard cannot disagree on a
 * breach; the tree only decides what a breach calls for. Asked in this order:
 *
 *  1. no flag of the phase is on: no action, the legacy path serves every call;
 *  2. blocking failure: the new path's errors reach callers above the legacy path's beyond the
 *     rollback deviation (10%): emergency;
 *  3. wrong results beyond the rollback deviation: the shadow comparisons of an acting phase
 *     disagree with the legacy path in more than 10% of the calls: emergency;
 *  4. from here on nothing is an emergency, and a fix expected within the hour goes forward;
 *  5. wrong results of 2-10%, or an error rate 2-10% above the legacy path's: planned rollback;
 *  6. more than 5 fallbacks in the last 24 hours (the factory's automatic trigger): planned rollback;
 *  7. a p95 far above the legacy path's (or a mean over 30 s): planned rollback; somewhat above:
 *     pause (a performance issue: monitor and investigate);
 *  8. a shadow that only compares and disagrees: pause, keep it in shadow;
 *  9. otherwise no action: healthy, or too little data for a rate to judge.
 */

export type AdviceKind = 'emergency' | 'planned_rollback' | 'pause' | 'fix_forward' | 'no_action';

export type AdviceRule =
  | 'phase-off'
  | 'blocking-failure'
  | 'severe-deviation'
  | 'fix-forward'
  | 'wrong-results'
  | 'more-errors'
  | 'repeated-fallbacks'
  | 'slow-new-path'
  | 'shadow-disagreement'
  | 'too-little-data'
  | 'healthy';

/** The factory's "can it be fixed quickly": within the hour, fix forward instead of rolling back. */
export const FIX_FORWARD_MINUTES = 60;

export interface PathCounts {
  calls: number;
  /** calls whose error reached the caller */
  errors: number;
  latencyMsSum: number;
  /** null without calls */
  p95Ms: number | null;
}

export interface PhaseEvidence {
  phase: number;
  window: { from: string; to: string; minutes: number };
  /** some acting (not shadow) flag of the phase is on for the code */
  acting: boolean;
  /** some shadow flag is on for the code */
  shadowing: boolean;
  /** the new path's calls, those that fell back included (as the guard counts a stage) */
  newPath: PathCounts;
  legacy: PathCounts;
  /** calls in the window where the new path failed or declined and the legacy path answered */
  fallbacks: number;
  /** the same over the factory's fallback window (24 h) ending with the window */
  fallbacksInRuleWindow: number;
  /** shadow comparisons of the new path's result with the legacy one's; null when the phase makes none */
  comparisons: { compared: number; disagreed: number } | null;
  /** an operator's estimate of a fix, in minutes; null when none was given */
  fixEtaMinutes: number | null;
}

export interface Advice {
  phase: number;
  advice: AdviceKind;
  rule: AdviceRule;
  /** the rule's reason in words, with the values that decided */
  why: string;
  /** every guardrail measured, with its verdict, values and threshold */
  guardrails: GuardrailResult[];
  evidence: PhaseEvidence;
}

type Finding = Pick<Advice, 'advice' | 'rule'> & { guardrail: GuardrailResult };

export function adviseRollback(evidence: PhaseEvidence): Advice {
  const guardrails = measure(evidence);
  const decide = (advice: AdviceKind, rule: AdviceRule, why: string): Advice => ({
    phase: evidence.phase,
    advice,
    rule,
    why,
    guardrails,
    evidence,
  });
  if (!evidence.acting && !evidence.shadowing)
    return decide('no_action', 'phase-off', 'no flag of the phase is on: the legacy path serves every call');

  const finding = findings(evidence, guardrails).at(0);
  if (!finding) {
    const thin = guardrails.filter((g) => g.verdict === 'insufficient');
    return thin.length
      ? decide('no_action', 'too-little-data', `not enough calls to judge: ${thin.map(described).join('; ')}`)
      : decide('no_action', 'healthy', 'no guardrail is breached');
  }
  const why = described(finding.guardrail);
  const eta = evidence.fixEtaMinutes;
  if (finding.advice !== 'emergency' && eta !== null && eta <= FIX_FORWARD_MINUTES)
    return decide('fix_forward', 'fix-forward', `${why}; a fix is expected in ${eta} min (<= ${FIX_FORWARD_MINUTES})`);
  return decide(finding.advice, finding.rule, why);
}

/** The breaches in the order of the tree: the first one decides. */
function findings(e: PhaseEvidence, guardrails: GuardrailResult[]): Finding[] {
  const by = (name: string) => guardrails.find((g) => g.guardrail === name);
  const when = (name: string, verdict: GuardrailResult['verdict'], advice: AdviceKind, rule: AdviceRule) => {
    const guardrail = by(name);
    return guardrail?.verdict === verdict ? [{ advice, rule, guardrail }] : [];
  };
  return [
    ...when(ERRORS, 'rollback', 'emergency', 'blocking-failure'),
    ...when(RESULTS, 'rollback', 'emergency', 'severe-deviation'),
    ...when(RESULTS, 'pause', 'planned_rollback', 'wrong-results'),
    ...when(ERRORS, 'pause', 'planned_rollback', 'more-errors'),
    ...when(FALLBACKS, 'rollback', 'planned_rollback', 'repeated-fallbacks'),
    ...when(LATENCY, 'rollback', 'planned_rollback', 'slow-new-path'),
    ...when(LATENCY, 'pause', 'pause', 'slow-new-path'),
    ...when(SHADOW, 'pause', 'pause', 'shadow-disagreement'),
  ];
}

const ERRORS = 'error rate';
const RESULTS = 'result deviation';
const FALLBACKS = 'fallback count';
const LATENCY = 'latency';
const SHADOW = 'shadow disagreement';

function measure(e: PhaseEvidence): GuardrailResult[] {
  const comparisons = e.comparisons ? [e.comparisons] : [];
  // only shadowing, nothing the new path does reaches anyone: the shadow gate alone judges it
  if (!e.acting) return comparisons.map((c) => shadowGate(e.window.minutes, 0, c.disagreed, c.compared));
  const guardrails = [
    rateGuardrail(
      ERRORS,
      { events: e.newPath.errors, trials: e.newPath.calls },
      { events: e.legacy.errors, trials: e.legacy.calls },
      'increase',
    ),
    fallbackCountGuardrail(e.fallbacksInRuleWindow),
    // acting, a comparison that disagrees is a wrong result served: its share is the deviation
    ...comparisons.map((c) => resultDeviation(c.compared, c.disagreed)),
  ];
  if (e.newPath.p95Ms !== null && e.legacy.p95Ms !== null) {
    guardrails.push(
      latencyGuardrail(
        { p95: e.newPath.p95Ms, meanMs: e.newPath.latencyMsSum / e.newPath.calls, calls: e.newPath.calls },
        { p95: e.legacy.p95Ms, calls: e.legacy.calls },
      ),
    );
  }
  return guardrails;
}

/** The share of compared calls whose new result differed from the legacy one, in the factory's classes. */
function resultDeviation(compared: number, disagreed: number): GuardrailResult {
  const deviation = compared === 0 ? 0 : disagreed / compared;
  const evidence = { compared, disagreed, deviation };
  const measured = `${disagreed} of ${compared} compared results differ from the legacy path (${pct(deviation)})`;
  if (compared < T.minSample)
    return {
      guardrail: RESULTS,
      verdict: 'insufficient',
      detail: `${measured}, sample below ${T.minSample}`,
      evidence,
    };
  const cls = deviationClass(deviation);
  const limit = cls === 'rollback' ? T.deviation.rollback : T.deviation.pause;
  return cls === 'tolerable'
    ? { guardrail: RESULTS, verdict: 'healthy', detail: `${measured} within ${pct(limit)}`, evidence }
    : { guardrail: RESULTS, verdict: cls, detail: `${measured} > ${pct(limit)}`, evidence };
}

function described(g: GuardrailResult): string {
  return `${g.guardrail}: ${g.detail}`;
}
