import { figuresOf } from '../rollout/rollout-evidence.js';
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

const SHADOW = 'shadow_';
/** OEM mode would not have acted on the scan: not a comparison (the shadow report leaves it out too). */
const NOT_COMPARED = new Set(['shadow_not_oem']);

/**
 * A phase's shadow comparisons from its signals, as Phase 8 records them: `shadow_agree`, and one
 * `shadow_<kind>` per kind of disagreement. Null when the phase recorded none in the window.
 */
export function comparisonsOf(signals: readonly SignalTotals[]): { compared: number; disagreed: number } | null {
  const shadow = signals.filter((s) => s.signal.startsWith(SHADOW) && !NOT_COMPARED.has(s.signal));
  if (shadow.length === 0) return null;
  const compared = shadow.reduce((n, s) => n + s.count, 0);
  const agreed = shadow.find((s) => s.signal === `${SHADOW}agree`)?.count ?? 0;
  return { compared, disagreed: compared - agreed };
}
