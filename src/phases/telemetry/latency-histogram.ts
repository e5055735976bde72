/**
 * The latency histogram of path_telemetry: non-cumulative counts of calls whose latency was at
 * most each bound (ms) and above the one before, the last bucket open-ended. The bounds are
 * the table's columns `le_5` ... `le_2500`, `le_inf`, in this order.
 */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

/** One count per bound, then the open-ended bucket: LATENCY_BOUNDS_MS.length + 1 entries. */
export type Histogram = number[];

export const HISTOGRAM_COLUMNS: readonly string[] = [...LATENCY_BOUNDS_MS.map((b) => `le_${b}`), 'le_inf'];

export function emptyHistogram(): Histogram {
  return new Array<number>(HISTOGRAM_COLUMNS.length).fill(0);
}

/** The bucket a latency falls in. */
export function bucketOf(latencyMs: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (latencyMs <= LATENCY_BOUNDS_MS[i]) return i;
  return LATENCY_BOUNDS_MS.length;
}

/** Adds `from` into `into`, bucket by bucket. */
export function addHistogram(into: Histogram, from: readonly number[]): Histogram {
  for (let i = 0; i < into.length; i++) into[i] += from[i] ?? 0;
  return into;
}

/**
 * The latency below which a share `q` (0..1) of the calls fell, estimated as Prometheus'
 * histogram_quantile does: linear within the bucket that holds the rank, from its lower bound
 * (0 for the first). A rank in the open-ended bucket answers the last finite bound, a floor:
 * the histogram cannot tell more. Null without calls.
 */
export function quantile(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
    const count = histogram[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      return lower + (LATENCY_BOUNDS_MS[i] - lower) * ((rank - below) / count);
    }
    below += count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

export function p95(histogram: readonly number[]): number | null {
  return quantile(histogram, 0.95);
}
