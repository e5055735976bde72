import { addHistogram, bucketOf, emptyHistogram } from './latency-histogram.js';
import { epochMinute, type PathBucketRow, type PathTaken, type SignalRow } from './path-telemetry.types.js';

/** The width of the tables' operation, reason and signal columns. */
const NAME_LENGTH = 64;

export interface Drained {
  buckets: PathBucketRow[];
  signals: SignalRow[];
}

/**
 * One replica's telemetry since its last flush, summed by bucket key in memory, so a flush
 * writes one row per key whatever the number of calls. Bounded: past `maxKeys` distinct keys
 * (per table) a new key's counts are dropped and counted, so a database that refuses flushes
 * for long cannot grow the process without end; keys already held keep adding up.
 */
export class TelemetryAggregator {
  private buckets = new Map<string, PathBucketRow>();
  private signals = new Map<string, SignalRow>();
  private droppedCount = 0;

  constructor(private readonly maxKeys: number) {}

  /** Calls and signals dropped since the last `takeDropped()`. */
  takeDropped(): number {
    const dropped = this.droppedCount;
    this.droppedCount = 0;
    return dropped;
  }

  get size(): number {
    return this.buckets.size + this.signals.size;
  }

  call(
    at: number,
    phase: number,
    operation: string,
    path: PathTaken,
    reason: string,
    latencyMs: number,
    failed: boolean,
  ): void {
    const minute = epochMinute(at);
    const op = operation.slice(0, NAME_LENGTH);
    const why = reason.slice(0, NAME_LENGTH);
    const key = bucketKey(minute, phase, op, path, why);
    let row = this.buckets.get(key);
    if (!row) {
      if (this.buckets.size >= this.maxKeys) {
        this.droppedCount++;
        return;
      }
      row = {
        minute,
        phase,
        operation: op,
        path,
        reason: why,
        calls: 0,
        errors: 0,
        latencyMsSum: 0,
        histogram: emptyHistogram(),
      };
      this.buckets.set(key, row);
    }
    row.calls++;
    if (failed) row.errors++;
    row.latencyMsSum += latencyMs;
    row.histogram[bucketOf(latencyMs)]++;
  }

  /** A counter without `value` (counts 1), a gauge with it (count, sum and max). */
  signal(at: number, phase: number, name: string, value = 1): void {
    const minute = epochMinute(at);
    const signal = name.slice(0, NAME_LENGTH);
    const key = signalKey(minute, phase, signal);
    const row = this.signals.get(key);
    if (row) {
      row.count++;
      row.sum += value;
      row.max = Math.max(row.max, value);
    } else if (this.signals.size >= this.maxKeys) this.droppedCount++;
    else this.signals.set(key, { minute, phase, signal, count: 1, sum: value, max: value });
  }

  /** Everything held, which the aggregator forgets. */
  drain(): Drained {
    const drained = { buckets: [...this.buckets.values()], signals: [...this.signals.values()] };
    this.buckets = new Map();
    this.signals = new Map();
    return drained;
  }

  /** Takes back what a failed flush drained, added to what came since, within the bound. */
  restore({ buckets, signals }: Drained): void {
    for (const row of buckets) {
      const key = bucketKey(row.minute, row.phase, row.operation, row.path, row.reason);
      const held = this.buckets.get(key);
      if (held) {
        held.calls += row.calls;
        held.errors += row.errors;
        held.latencyMsSum += row.latencyMsSum;
        addHistogram(held.histogram, row.histogram);
      } else if (this.buckets.size >= this.maxKeys) this.droppedCount += row.calls;
      else this.buckets.set(key, row);
    }
    for (const row of signals) {
      const key = signalKey(row.minute, row.phase, row.signal);
      const held = this.signals.get(key);
      if (held) {
        held.count += row.count;
        held.sum += row.sum;
        held.max = Math.max(held.max, row.max);
      } else if (this.signals.size >= this.maxKeys) this.droppedCount += row.count;
      else this.signals.set(key, row);
    }
  }
}

const bucketKey = (minute: number, phase: number, operation: string, path: string, reason: string) =>
  `${minute}|${phase}|${operation}|${path}|${reason}`;

const signalKey = (minute: number, phase: number, signal: string) => `${minute}|${phase}|${signal}`;
