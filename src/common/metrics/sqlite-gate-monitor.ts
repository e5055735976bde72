import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dialectOf } from '../../database/dialect.js';
import { SqliteConnectionGate } from '../../database/sqlite/connection-gate.js';
import { MetricsService } from './metrics.service.js';

/**
 * Every request that needs the database waits while a transaction holds SQLite's one
 * connection, so in normal operation none may hold it longer than this: long work runs in
 * shorter transactions (a large spawn in batches, for one).
 */
export const GATE_HOLD_BOUND_SECONDS = 0.25;

/** Measures how long each transaction holds the SQLite connection, and names those that hold it too long. */
@Injectable()
export class SqliteGateMonitor implements OnModuleInit {
  private readonly logger = new Logger(SqliteGateMonitor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    if (dialectOf(this.dataSource) !== 'sqlite') return;
    const holds = this.metrics.histogram(
      'phasegate_sqlite_gate_hold_seconds',
      "How long each transaction held SQLite's one connection",
      [],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, GATE_HOLD_BOUND_SECONDS, 0.5, 1, 2.5, 5],
    );
    SqliteConnectionGate.of(this.dataSource).observe((seconds, opener) => {
      holds.observe(seconds);
      if (seconds > GATE_HOLD_BOUND_SECONDS)
        this.logger.warn({
          msg: 'sqlite_gate_held_long',
          transaction: opener(),
          heldMs: Math.round(seconds * 1000),
          boundMs: GATE_HOLD_BOUND_SECONDS * 1000,
        });
    });
  }
}
