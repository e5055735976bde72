import { Injectable } from '@nestjs/common';
import { yieldToEventLoop } from '../../common/yield-to-event-loop.js';
import { addHistogram, emptyHistogram, p95 } from '../telemetry/latency-histogram.js';
import { PathTelemetryRepository } from '../telemetry/path-telemetry.repository.js';
import { epochMinute, FAILURE_REASON, type PathTotals, type SignalTotals } from '../telemetry/path-telemetry.types.js';
import type { ProportionSample } from './confidence-sequence.js';
import { GUARDRAIL_THRESHOLDS } from './guardrail-thresholds.js';
import type { RolloutPlan } from './rollout-plan.repository.js';
import { SettledSums } from './settled-sums.js';
import type { PathFigures, StageEvidence } from './stage-decision.js';

/**
 * The shadow's domain signals (phase_signal), one per compared call: `shadow_agree`, or
 * `shadow_<kind>` of a discrepancy (Phase 8: `shadow_different_move`, `shadow_no_rule`, ...);
 * `shadow_not_<...>` (Phase 8's `shadow_not_oem`) was not compared.
 */
export const SHADOW_SIGNAL_PREFIX = 'shadow_';
export const SHADOW_AGREE_SIGNAL = 'shadow_agree';
const NOT_COMPARED_PREFIX = 'shadow_not_';

/** Phase 7's assignment signals: a decision that found candidates, or declined for want of any. */
export const FILL_SIGNALS = { found: 'candidates_found', declined: 'no_candidate' } as const;

/** The fill rate's sample: decisions that found candidates among all decisions. */
export function fillOf(signals: readonly SignalTotals[]): ProportionSample {
  const count = (name: string) => signals.find((s) => s.signal === name)?.count ?? 0;
  const found = count(FILL_SIGNALS.found);
  return { events: found, trials: found + count(FILL_SIGNALS.declined) };
}

/** Sums the telemetry of a window into one path's figures. */
export function figuresOf(totals: readonly PathTotals[], paths: readonly string[]): PathFigures {
  const histogram = emptyHistogram();
  const figures = { calls: 0, errors: 0, fallbacks: 0, latencyMsSum: 0 };
  for (const t of totals) {
    if (!paths.includes(t.path)) continue;
    figures.calls += t.calls;
    figures.errors += t.errors;
    if (t.path === 'fallback' && t.reason === FAILURE_REASON) figures.fallbacks += t.calls;
    figures.latencyMsSum += t.latencyMsSum;
    addHistogram(histogram, t.histogram);
  }
  return { ...figures, p95Ms: p95(histogram) };
}

export function shadowOf(signals: readonly SignalTotals[]): StageEvidence['shadow'] {
  let compared = 0;
  let agreed = 0;
  for (const s of signals) {
    if (!s.signal.startsWith(SHADOW_SIGNAL_PREFIX) || s.signal.startsWith(NOT_COMPARED_PREFIX)) continue;
    compared += s.count;
    if (s.signal === SHADOW_AGREE_SIGNAL) agreed += s.count;
  }
  return { compared, disagreements: compared - agreed };
}

const NEW_PATH = ['new', 'fallback'];
const LEGACY = ['legacy'];

/** `into` plus `more`, by operation, path and reason; new objects, so a kept sum is never changed in place. */
export function addTotals(into: readonly PathTotals[], more: readonly PathTotals[]): PathTotals[] {
  const byKey = new Map<string, PathTotals>();
  for (const t of [...into, ...more]) {
    const key = `${t.operation}\u0000${t.path}\u0000${t.reason}`;
    const seen = byKey.get(key);
    byKey.set(
      key,
      seen
        ? {
            ...seen,
            calls: seen.calls + t.calls,
            errors: seen.errors + t.errors,
            latencyMsSum: seen.latencyMsSum + t.latencyMsSum,
            histogram: addHistogram([...seen.histogram], t.histogram),
          }
        : { ...t, histogram: [...t.histogram] },
    );
  }
  return [...byKey.values()];
}

export function addSignals(into: readonly SignalTotals[], more: readonly SignalTotals[]): SignalTotals[] {
  const bySignal = new Map<string, SignalTotals>();
  for (const s of [...into, ...more]) {
    const seen = bySignal.get(s.signal);
    bySignal.set(
      s.signal,
      seen
        ? { signal: s.signal, count: seen.count + s.count, sum: seen.sum + s.sum, max: Math.max(seen.max, s.max) }
        : s,
    );
  }
  return [...bySignal.values()];
}

/**
 * Reads what the guard judges a plan's current stage on, from the per-minute telemetry buckets,
 * through per-window settled sums (see SettledSums): a pass reads only the minutes since the
 * last one.
 */
@Injectable()
export class RolloutEvidence {
  private readonly paths = new Map<number, SettledSums<PathTotals>>();
  private readonly signals = new Map<number, SettledSums<SignalTotals>>();

  constructor(private readonly telemetry: PathTelemetryRepository) {}

  async of(plan: RolloutPlan, now: Date): Promise<StageEvidence> {
    const at = now.getTime();
    const to = epochMinute(now) + 1;
    const from = epochMinute(plan.stageStartedAt);
    const paths = this.pathSums(plan.phase);
    const current = await paths.sum(`stage ${String(plan.id)}`, from, to, at);
    await yieldToEventLoop();
    // the factory's 24 hours, never before the plan began: what ran since the plan, less what ran before the window
    const anchor = epochMinute(plan.createdAt);
    const windowStart = Math.max(anchor, to - GUARDRAIL_THRESHOLDS.fallbacks.windowMinutes);
    const sincePlan = figuresOf(await paths.sum(`plan ${String(plan.id)}`, anchor, to, at), ['fallback']).fallbacks;
    const beforeWindow =
      windowStart > anchor
        ? figuresOf(await paths.sum(`window ${String(plan.id)}`, anchor, windowStart, at), ['fallback']).fallbacks
        : 0;
    const signalSums = this.signalSums(plan.phase);
    let previous: StageEvidence['previous'] = null;
    if (plan.previousStageStartedAt) {
      await yieldToEventLoop();
      const previousFrom = epochMinute(plan.previousStageStartedAt);
      const before = await paths.sum(`previous ${String(plan.id)}`, previousFrom, from, at);
      const beforeSignals = await signalSums.sum(`previous ${String(plan.id)}`, previousFrom, from, at);
      previous = {
        newPath: figuresOf(before, NEW_PATH),
        legacy: figuresOf(before, LEGACY),
        fill: fillOf(beforeSignals),
      };
    }
    await yieldToEventLoop();
    const signals = await signalSums.sum(`stage ${String(plan.id)}`, from, to, at);
    let shadow = shadowOf(signals);
    const stage = plan.stages[plan.currentStage];
    // the factory's "a week without discrepancies": the shadow is judged over its trailing minimum
    // duration, so a disagreement early in a long shadow stage does not hold the gate for ever
    const trailStart = to - stage.minDurationMinutes;
    if (stage.kind === 'shadow' && trailStart > from) {
      const before = shadowOf(await signalSums.sum(`trail ${String(plan.id)}`, from, trailStart, at));
      shadow = {
        compared: shadow.compared - before.compared,
        disagreements: shadow.disagreements - before.disagreements,
      };
    }
    return {
      ranMinutes: Math.floor((at - plan.stageStartedAt.getTime()) / 60_000),
      newPath: figuresOf(current, NEW_PATH),
      legacy: figuresOf(current, LEGACY),
      previous,
      fallbacksInWindow: sincePlan - beforeWindow,
      shadow,
      fill: fillOf(signals),
    };
  }

  private pathSums(phase: number): SettledSums<PathTotals> {
    let sums = this.paths.get(phase);
    if (!sums) {
      sums = new SettledSums((from, to) => this.telemetry.totals(phase, from, to), addTotals);
      this.paths.set(phase, sums);
    }
    return sums;
  }

  private signalSums(phase: number): SettledSums<SignalTotals> {
    let sums = this.signals.get(phase);
    if (!sums) {
      sums = new SettledSums((from, to) => this.telemetry.signals(phase, from, to), addSignals);
      this.signals.set(phase, sums);
    }
    return sums;
  }
}
