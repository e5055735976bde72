import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { dialectOf, insertChunkRows, intDiv, toDbTime, upsertAddingStatement } from '../../database/dialect.js';
import { HISTOGRAM_COLUMNS, type Histogram, p95 } from './latency-histogram.js';
import type {
  EpochMinute,
  PathBucketRow,
  PathTaken,
  PathTotals,
  SeriesPoint,
  SignalRow,
  SignalTotals,
} from './path-telemetry.types.js';

export type * from './path-telemetry.types.js';

const PATHS: readonly PathTaken[] = ['new', 'legacy', 'fallback'];
const BUCKET_KEY = ['minute', 'phase', 'operation', 'path', 'reason'];
const BUCKET_COLUMNS = [...BUCKET_KEY, 'minute_start', 'calls', 'errors', 'latency_ms_sum', ...HISTOGRAM_COLUMNS];
const SIGNAL_KEY = ['minute', 'phase', 'signal'];
const SIGNAL_COLUMNS = [...SIGNAL_KEY, 'minute_start', 'count', 'sum', 'max'];
const SUM_HISTOGRAM = HISTOGRAM_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(', ');

type Sums = Record<string, number | string | null>;

/**
 * path_telemetry and phase_signal: every replica adds its flushed counts to the minute's rows
 * (an upsert that adds, so concurrent flushes sum exactly), and the rollout guard, the advice
 * and the console read windows of them. Windows are [fromMinute, toMinuteExclusive).
 */
@Injectable()
export class PathTelemetryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async addBuckets(rows: readonly PathBucketRow[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    const sorted = [...rows].sort(byKey((r) => [r.minute, r.phase, r.operation, r.path, r.reason]));
    await this.addChunks(
      manager,
      sorted,
      BUCKET_COLUMNS.length,
      (n) =>
        upsertAddingStatement(
          dialectOf(manager),
          'path_telemetry',
          BUCKET_COLUMNS,
          BUCKET_KEY,
          ['calls', 'errors', 'latency_ms_sum', ...HISTOGRAM_COLUMNS],
          [],
          n,
        ),
      (r) => [
        r.minute,
        r.phase,
        r.operation,
        r.path,
        r.reason,
        minuteStart(r.minute),
        r.calls,
        r.errors,
        r.latencyMsSum,
        ...r.histogram,
      ],
    );
  }

  async addSignals(rows: readonly SignalRow[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    const sorted = [...rows].sort(byKey((r) => [r.minute, r.phase, r.signal]));
    await this.addChunks(
      manager,
      sorted,
      SIGNAL_COLUMNS.length,
      (n) =>
        upsertAddingStatement(
          dialectOf(manager),
          'phase_signal',
          SIGNAL_COLUMNS,
          SIGNAL_KEY,
          ['count', 'sum'],
          ['max'],
          n,
        ),
      (r) => [r.minute, r.phase, r.signal, minuteStart(r.minute), r.count, r.sum, r.max],
    );
  }

  /** Per operation, path and reason: the window's sums. */
  async totals(phase: number, fromMinute: EpochMinute, toMinuteExclusive: EpochMinute): Promise<PathTotals[]> {
    const rows = await this.dataSource.query<Array<Sums & { operation: string; path: PathTaken; reason: string }>>(
      `SELECT operation, path, reason, SUM(calls) AS calls, SUM(errors) AS errors, SUM(latency_ms_sum) AS latency_ms_sum, ${SUM_HISTOGRAM}
       FROM path_telemetry WHERE phase = ? AND minute >= ? AND minute < ?
       GROUP BY operation, path, reason ORDER BY operation, path, reason`,
      [phase, fromMinute, toMinuteExclusive],
    );
    return rows.map((r) => ({
      operation: r.operation,
      path: r.path,
      reason: r.reason,
      calls: Number(r.calls),
      errors: Number(r.errors),
      latencyMsSum: Number(r.latency_ms_sum),
      histogram: histogramOf(r),
    }));
  }

  /**
   * Per step of `stepMinutes` from `fromMinute` (the last step may be shorter) and per path,
   * every operation together: a dense series, each step with all three paths.
   */
  async series(
    phase: number,
    fromMinute: EpochMinute,
    toMinuteExclusive: EpochMinute,
    stepMinutes: number,
  ): Promise<SeriesPoint[]> {
    // inlined: better-sqlite3 binds numbers as REAL, which would make the division exact
    const step = intDiv(dialectOf(this.dataSource), `minute - ${integer(fromMinute)}`, integer(stepMinutes));
    const rows = await this.dataSource.query<Array<Sums & { step: number | string; path: PathTaken }>>(
      `SELECT ${step} AS step, path, SUM(calls) AS calls, SUM(errors) AS errors, ${SUM_HISTOGRAM}
       FROM path_telemetry WHERE phase = ? AND minute >= ? AND minute < ?
       GROUP BY step, path`,
      [phase, fromMinute, toMinuteExclusive],
    );
    const found = new Map(rows.map((r) => [`${Number(r.step)}:${r.path}`, r]));
    const points: SeriesPoint[] = [];
    for (let index = 0; fromMinute + index * stepMinutes < toMinuteExclusive; index++)
      for (const path of PATHS) {
        const row = found.get(`${index}:${path}`);
        const calls = Number(row?.calls ?? 0);
        points.push({
          minute: fromMinute + index * stepMinutes,
          path,
          calls,
          errors: Number(row?.errors ?? 0),
          fallbacks: path === 'fallback' ? calls : 0,
          p95Ms: row ? p95(histogramOf(row)) : null,
        });
      }
    return points;
  }

  /** Per signal: the window's count and sum, and its largest value. */
  async signals(phase: number, fromMinute: EpochMinute, toMinuteExclusive: EpochMinute): Promise<SignalTotals[]> {
    const rows = await this.dataSource.query<Array<Sums & { signal: string }>>(
      'SELECT `signal`, SUM(`count`) AS n, SUM(`sum`) AS total, MAX(`max`) AS largest FROM phase_signal ' +
        'WHERE phase = ? AND minute >= ? AND minute < ? GROUP BY `signal` ORDER BY `signal`',
      [phase, fromMinute, toMinuteExclusive],
    );
    return rows.map((r) => ({ signal: r.signal, count: Number(r.n), sum: Number(r.total), max: Number(r.largest) }));
  }

  private async addChunks<R>(
    manager: EntityManager,
    rows: readonly R[],
    columns: number,
    statement: (rows: number) => string,
    values: (row: R) => unknown[],
  ): Promise<void> {
    const size = insertChunkRows(dialectOf(manager), columns);
    for (let at = 0; at < rows.length; at += size) {
      const chunk = rows.slice(at, at + size);
      await manager.query(statement(chunk.length), chunk.flatMap(values));
    }
  }
}

function histogramOf(row: Sums): Histogram {
  return HISTOGRAM_COLUMNS.map((c) => Number(row[c] ?? 0));
}

function integer(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

function minuteStart(minute: EpochMinute): string {
  return toDbTime(new Date(minute * 60_000));
}

/** Rows in key order, so concurrent flushes lock the same rows in the same order (no deadlock between replicas). */
function byKey<R>(key: (row: R) => Array<string | number>) {
  return (a: R, b: R) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  };
}
