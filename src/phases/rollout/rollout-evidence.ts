import { Injectable } from '@nestjs/common';
import { yieldToEventLoop } from '../../common/yield-to-event-loop.js';
import { addHistogram, emptyHistogram, p95 } from '../telemetry/latency-histogram.js';
import { PathTelemetryRepository } from '../telemetry/path-telemetry.repository.js';
import { epochMinute, type PathTotals, type SignalTotals } from '../telemetry/path-telemetry.types.js';
import { GUARDRAIL_THRESHOLDS } from './guardrail-thresholds.js';
import type { RolloutPlan } from './rollout-plan.repository.js';
import type { PathFigures, StageEvidence } from './stage-decision.js';

/**
 * The shadow's domain signals (phase_signal): a compared call counts one `shadow_agree` or one
 * `shadow_disagree` (a kind may follow, `shadow_disagree:<kind>`, each counted).
 */
export const SHADOW_AGREE_SIGNAL = 'shadow_agree';
export const SHADOW_DISAGREE_SIGNAL = 'shadow_disagree';

/** Sums the telemetry of a window into one path's figures. */
export function figuresOf(totals: readonly PathTotals[], paths: readonly string[]): PathFigures {
  const histogram = emptyHistogram();
  const figures = { calls: 0, errors: 0, fallbacks: 0, latencyMsSum: 0 };
  for (const t of totals) {
    if (!paths.includes(t.path)) continue;
    figures.calls += t.calls;
    figures.errors += t.errors;
    if (t.path === 'fallback') figures.fallbacks += t.calls;
    figures.latencyMsSum += t.latencyMsSum;
    addHistogram(histogram, t.histogram);
  }
  return { ...figures, p95Ms: p95(histogram) };
}

export function shadowOf(signals: readonly SignalTotals[]): StageEvidence['shadow'] {
  let agree = 0;
  let disagree = 0;
  for (const s of signals) {
    if (s.signal === SHADOW_AGREE_SIGNAL) agree += s.count;
    else if (s.signal === SHADOW_DISAGREE_SIGNAL || s.signal.startsWith(`${SHADOW_DISAGREE_SIGNAL}:`))
      disagree += s.count;
  }
  return { compared: agree + disagree, disagreements: disagree };
}

const NEW_PATH = ['new', 'fallback'];
const LEGACY = ['legacy'];

/** Reads what the guard judges a plan's current stage on, from the per-minute telemetry buckets. */
@Injectable()
export class RolloutEvidence {
  constructor(private readonly telemetry: PathTelemetryRepository) {}

  async of(plan: RolloutPlan, now: Date): Promise<StageEvidence> {
    const to = epochMinute(now) + 1;
    const from = epochMinute(plan.stageStartedAt);
    const current = await this.telemetry.totals(plan.phase, from, to);
    await yieldToEventLoop();
    const fallbackFrom = Math.max(epochMinute(plan.createdAt), to - GUARDRAIL_THRESHOLDS.fallbacks.windowMinutes);
    const recent = from === fallbackFrom ? current : await this.telemetry.totals(plan.phase, fallbackFrom, to);
    let previous: StageEvidence['previous'] = null;
    if (plan.previousStageStartedAt) {
      await yieldToEventLoop();
      const before = await this.telemetry.totals(plan.phase, epochMinute(plan.previousStageStartedAt), from);
      previous = { newPath: figuresOf(before, NEW_PATH), legacy: figuresOf(before, LEGACY) };
    }
    await yieldToEventLoop();
    const signals = await this.telemetry.signals(plan.phase, from, to);
    return {
      ranMinutes: Math.floor((now.getTime() - plan.stageStartedAt.getTime()) / 60_000),
      newPath: figuresOf(current, NEW_PATH),
      legacy: figuresOf(current, LEGACY),
      previous,
      fallbacksInWindow: figuresOf(recent, ['fallback']).calls,
      shadow: shadowOf(signals),
    };
  }
}
