import { figuresOf, shadowOf } from '../rollout/rollout-evidence.js';
import type { PathTotals, SignalTotals } from '../telemetry/path-telemetry.types.js';
import type { PathCounts } from './rollback-advice.js';

/**
 * A side's figures over the window, summed as the rollout guard sums a stage's: the new path
 * counts the calls it answered and those that fell back, the legacy path its own.
 */
export function sideOf(totals: readonly PathTotals[], side: 'new' | 'legacy'): PathCounts {
  const { calls, errors, latencyMsSum, p95Ms } = figuresOf(totals, side === 'new' ? ['new', 'fallback'] : ['legacy']);
  return { calls, errors, latencyMsSum, p95Ms };
}

export function fallbacksOf(totals: readonly PathTotals[]): number {
  return figuresOf(totals, ['fallback']).fallbacks;
}

/**
 * A phase's shadow comparisons, counted as the rollout guard's shadow gate counts them. Null when
 * the phase recorded none in the window.
 */
export function comparisonsOf(signals: readonly SignalTotals[]): { compared: number; disagreed: number } | null {
  const { compared, disagreements } = shadowOf(signals);
  return compared === 0 ? null : { compared, disagreed: disagreements };
}
