import type { ProportionSample } from './confidence-sequence.js';
import {
  allJudged,
  fallbackCountGuardrail,
  latencyGuardrail,
  rateGuardrail,
  shadowGate,
  worst,
  type GuardrailResult,
} from './guardrails.js';
import { GUARDRAIL_THRESHOLDS } from './guardrail-thresholds.js';
import type { RolloutStage } from './rollout-stages.js';

/** One path's figures over a window (the new path: its own calls and its fallbacks together; `fallbacks`: those whose new path failed). */
export interface PathFigures {
  calls: number;
  errors: number;
  fallbacks: number;
  latencyMsSum: number;
  p95Ms: number | null;
}

/** What the telemetry says about a stage: its window, the stage before's, and the domain signals. */
export interface StageEvidence {
  /** Minutes the stage has run. */
  ranMinutes: number;
  newPath: PathFigures;
  legacy: PathFigures;
  /** The stage before's window, when there was one. */
  previous: { newPath: PathFigures; legacy: PathFigures; fill: ProportionSample } | null;
  /** Fallbacks in the factory's 24 hours (never before the plan began). */
  fallbacksInWindow: number;
  shadow: { compared: number; disagreements: number };
  /** Phase 7's assignment fill (decisions that found candidates); no trials for other phases. */
  fill: ProportionSample;
}

/**
 * `hold`: stay (minimums not met, a guardrail still without its sample, the shadow gate
 * closed); `advance`: to the next stage; `await-approval`: the plan asks a person first;
 * `complete`: the last stage passed; `pause` / `rollback`: a guardrail breached.
 */
export type StageAction = 'hold' | 'advance' | 'await-approval' | 'complete' | 'pause' | 'rollback';

export interface StageDecision {
  action: StageAction;
  /** Why, in words: the rollback's reason and the events quote it. */
  reason: string;
  results: GuardrailResult[];
}

const sample = (figures: PathFigures, events: number): ProportionSample => ({ events, trials: figures.calls });

/** The guardrails of an acting stage (scope, percentage, 100%). */
export function actingGuardrails(evidence: StageEvidence): GuardrailResult[] {
  const { newPath, previous } = evidence;
  // 100% leaves no legacy traffic: the stage before's legacy is the baseline then
  const sameWindow = evidence.legacy.calls >= GUARDRAIL_THRESHOLDS.minSample || !previous;
  const legacy = sameWindow ? evidence.legacy : previous.legacy;
  const legacyName = sameWindow ? 'legacy' : 'legacy of the stage before';
  const results = [
    fallbackCountGuardrail(evidence.fallbacksInWindow),
    rateGuardrail('error rate', sample(newPath, newPath.errors), sample(legacy, legacy.errors), 'increase', legacyName),
    latencyGuardrail(
      {
        p95: newPath.p95Ms ?? 0,
        meanMs: newPath.calls ? newPath.latencyMsSum / newPath.calls : 0,
        calls: newPath.calls,
      },
      { p95: legacy.p95Ms ?? 0, calls: legacy.calls },
      legacyName,
    ),
  ];
  // the new path's fallback rate against the stage before's, when that stage ran the new path enough to compare
  if (previous && previous.newPath.calls >= GUARDRAIL_THRESHOLDS.minSample)
    results.push(
      rateGuardrail(
        'fallback rate',
        sample(newPath, newPath.fallbacks),
        sample(previous.newPath, previous.newPath.fallbacks),
        'increase',
        'the stage before',
      ),
    );
  // a domain signal: the assignment fill rate must not drop against the stage before
  if (previous && previous.fill.trials >= GUARDRAIL_THRESHOLDS.minSample)
    results.push(rateGuardrail('fill rate', evidence.fill, previous.fill, 'decrease', 'the stage before'));
  return results;
}

/** The guard's verdict on a live plan's current stage. */
export function decideStage(
  stage: RolloutStage,
  evidence: StageEvidence,
  isLast: boolean,
  requiresApproval: boolean,
): StageDecision {
  if (stage.kind === 'shadow') {
    const gate = shadowGate(
      evidence.ranMinutes,
      stage.minDurationMinutes,
      evidence.shadow.disagreements,
      evidence.shadow.compared,
    );
    const results = [gate];
    if (gate.verdict !== 'healthy') return { action: 'hold', reason: `shadow gate closed: ${gate.detail}`, results };
    if (evidence.shadow.compared < stage.minSample)
      return {
        action: 'hold',
        reason: `shadow compared ${String(evidence.shadow.compared)} of ${String(stage.minSample)}`,
        results,
      };
    return passed(`shadow gate open: ${gate.detail}`, results, isLast, requiresApproval);
  }
  const results = actingGuardrails(evidence);
  const verdict = worst(results);
  const breached = results.filter((r) => r.verdict === verdict);
  if (verdict === 'rollback' || verdict === 'pause')
    return {
      action: verdict,
      reason: `guardrail: ${breached.map((r) => `${r.guardrail}: ${r.detail}`).join('; ')}`,
      results,
    };
  if (evidence.ranMinutes < stage.minDurationMinutes)
    return {
      action: 'hold',
      reason: `ran ${String(evidence.ranMinutes)} of ${String(stage.minDurationMinutes)} min`,
      results,
    };
  if (evidence.newPath.calls < stage.minSample)
    return {
      action: 'hold',
      reason: `new path ran ${String(evidence.newPath.calls)} of ${String(stage.minSample)} calls`,
      results,
    };
  if (!allJudged(results)) {
    const waiting = results.filter((r) => r.verdict === 'insufficient').map((r) => r.guardrail);
    return { action: 'hold', reason: `waiting for a sample: ${waiting.join(', ')}`, results };
  }
  return passed('every guardrail passed', results, isLast, requiresApproval);
}

function passed(reason: string, results: GuardrailResult[], isLast: boolean, requiresApproval: boolean): StageDecision {
  if (isLast) return { action: 'complete', reason, results };
  return { action: requiresApproval ? 'await-approval' : 'advance', reason, results };
}
