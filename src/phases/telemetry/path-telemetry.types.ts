import type { Histogram } from './latency-histogram.js';

/** Which path a gated call took: the flag and rules chose the new one, or the legacy one, or the new one failed or declined. */
export type PathTaken = 'new' | 'legacy' | 'fallback';

/** Unix epoch minutes (UTC): the time unit of every telemetry bucket. */
export type EpochMinute = number;

export function epochMinute(at: Date | number): EpochMinute {
  return Math.floor((typeof at === 'number' ? at : at.getTime()) / 60_000);
}

/** The start of an epoch minute, as an ISO time. */
export function minuteToIso(minute: EpochMinute): string {
  return new Date(minute * 60_000).toISOString();
}

/** The decline reason (or `error`) of a fallback; '' on the new and legacy paths. */
export const NO_REASON = '';

/**
 * The reason of a fallback whose new path failed (threw). Any other reason is a decline: the new
 * path answered that it cannot decide (no candidate, no match), which the phases' own signals judge.
 */
export const FAILURE_REASON = 'error';

/** What one replica adds to one path_telemetry row at a flush. */
export interface PathBucketRow {
  minute: EpochMinute;
  phase: number;
  operation: string;
  path: PathTaken;
  reason: string;
  calls: number;
  /** Calls whose gated call threw to its caller. */
  errors: number;
  latencyMsSum: number;
  histogram: Histogram;
}

/** What one replica adds to one phase_signal row at a flush: a counter uses count, a gauge also sum and max. */
export interface SignalRow {
  minute: EpochMinute;
  phase: number;
  signal: string;
  count: number;
  sum: number;
  max: number;
}

/** One (operation, path, reason) over a window: the sums of its minutes. */
export interface PathTotals {
  operation: string;
  path: PathTaken;
  reason: string;
  calls: number;
  errors: number;
  latencyMsSum: number;
  histogram: Histogram;
}

/** One step of a series for one path, every operation and reason together; a step without calls has zeros. */
export interface SeriesPoint {
  /** The step's first minute. */
  minute: EpochMinute;
  path: PathTaken;
  calls: number;
  errors: number;
  /** Of `calls`, those that ran the legacy path after the new one failed or declined: all on the fallback path, none on the others. */
  fallbacks: number;
  /** Null without calls. */
  p95Ms: number | null;
}

/** One signal over a window. */
export interface SignalTotals {
  signal: string;
  count: number;
  sum: number;
  max: number;
}
