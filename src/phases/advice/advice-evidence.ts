import { addHistogram, emptyHistogram, p95 } from '../telemetry/latency-histogram.js';
import type { PathTotals, SignalTotals } from '../telemetry/path-telemetry.types.js';
import type { PathCounts } from './rollback-advice.js';

/** The window's totals of one path, every operation together. */
export function pathCounts(totals: readonly PathTotals[], path: PathTotals['path']): PathCounts {
  const rows = totals.filter((t) => t.path === path);
  const histogram = rows.reduce((h, r) => addHistogram(h, r.histogram), emptyHistogram());
  return {
    calls: rows.reduce((n, r) => n + r.calls, 0),
    errors: rows.reduce((n, r) => n + r.errors, 0),
    latencyMsSum: rows.reduce((n, r) => n + r.latencyMsSum, 0),
    p95Ms: p95(histogram),
  };
}

export function fallbackCount(totals: readonly PathTotals[]): number {
  return pathCounts(totals, 'fallback').calls;
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
