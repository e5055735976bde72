import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { AppMode, Environment } from '../../config/environment.js';
import { inTransaction } from '../../database/transaction.js';
import type { PathTaken } from './path-telemetry.types.js';
import { PathTelemetryRepository } from './path-telemetry.repository.js';
import { TelemetryAggregator } from './telemetry-aggregator.js';

/**
 * Distinct bucket keys (and signal keys) one replica holds between flushes: a few hundred a
 * minute in practice, so this covers many minutes of a database that refuses the flushes.
 */
const MAX_KEYS = 20_000;

/**
 * One replica's path telemetry and phase signals: recorded in memory (no I/O on the caller's
 * path), added to the shared per-minute buckets every TELEMETRY_FLUSH_MS in one transaction,
 * and at shutdown. A failed flush keeps its counts for the next one. TELEMETRY_FLUSH_MS=0, or
 * the read-only mode, records nothing.
 */
@Injectable()
export class PhaseTelemetry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(PhaseTelemetry.name);
  private readonly aggregator = new TelemetryAggregator(MAX_KEYS);
  private readonly flushMs: number;
  private readonly dropped: Counter;
  private readonly flushFailures: Counter;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  /** False when recording is off: callers may skip work that only feeds telemetry. */
  readonly enabled: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: PathTelemetryRepository,
    config: ConfigService<Environment, true>,
    metrics: MetricsService,
  ) {
    this.flushMs = config.get('TELEMETRY_FLUSH_MS', { infer: true });
    this.enabled = this.flushMs > 0 && config.get('APP_MODE', { infer: true }) !== AppMode.ReadOnly;
    this.dropped = metrics.counter(
      'phase_telemetry_dropped_total',
      'Gated calls and signals left out of the shared telemetry: too many distinct buckets waited for a flush',
    );
    this.flushFailures = metrics.counter(
      'phase_telemetry_flush_failures_total',
      'Telemetry flushes the database refused; their counts wait for the next flush',
    );
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** One gated call: the path it took, its fallback reason ('' otherwise), its latency, whether it threw to its caller. */
  call(phase: number, operation: string, path: PathTaken, reason: string, latencyMs: number, failed: boolean): void {
    if (this.enabled) this.aggregator.call(Date.now(), phase, operation, path, reason, latencyMs, failed);
  }

  /** A phase's domain signal: a counter without `value`, a gauge (count, sum, max) with it. */
  signal(phase: number, name: string, value?: number): void {
    if (this.enabled) this.aggregator.signal(Date.now(), phase, name, value);
  }

  /** Adds what this replica holds to the shared buckets; never throws. Flushes run one at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const dropped = this.aggregator.takeDropped();
    if (dropped) {
      this.dropped.inc(dropped);
      this.logger.warn({ msg: 'telemetry_dropped', dropped, maxKeys: MAX_KEYS });
    }
    if (this.aggregator.size === 0) return;
    const drained = this.aggregator.drain();
    try {
      await inTransaction(this.dataSource, async (manager) => {
        await this.store.addBuckets(drained.buckets, manager);
        await this.store.addSignals(drained.signals, manager);
      });
    } catch (error) {
      // rolled back whole: nothing of it was added, so the next flush adds it once
      this.aggregator.restore(drained);
      this.flushFailures.inc();
      this.logger.warn({
        msg: 'telemetry_flush_failed',
        error: error instanceof Error ? error.message : String(error),
        held: this.aggregator.size,
      });
    }
  }
}
