import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/**
 * Per-minute buckets of every replica's gated calls (which path ran, errors, latency sum and a
 * histogram) and of the phases' domain signals, added to by each replica's batched flush. The
 * rollout guard and the advice read them over weeks. `minute` is Unix epoch minutes (UTC);
 * `minute_start` is the same minute as a timestamp, the age the retention job purges by.
 */
export class CorePathTelemetry1764000670000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    const count = (name: string): TableColumnOptions => ({ name, type: 'integer', default: 0 });
    const minute: TableColumnOptions[] = [
      { name: 'minute', type: 'integer', isPrimary: true },
      { name: 'phase', type: 'integer', isPrimary: true },
    ];
    await qr.createTable(
      new Table({
        name: 'path_telemetry',
        columns: [
          ...minute,
          { name: 'operation', type: 'varchar', length: '64', isPrimary: true },
          // new | legacy | fallback
          { name: 'path', type: 'varchar', length: '16', isPrimary: true },
          // '' unless path = fallback: the decline reason, or `error`
          { name: 'reason', type: 'varchar', length: '64', isPrimary: true },
          { name: 'minute_start', ...dt },
          count('calls'),
          count('errors'),
          { name: 'latency_ms_sum', type: 'double', default: 0 },
          // non-cumulative counts of calls up to each bound in ms (latency-histogram.ts)
          ...['le_5', 'le_10', 'le_25', 'le_50', 'le_100', 'le_250', 'le_500', 'le_1000', 'le_2500', 'le_inf'].map(
            count,
          ),
        ],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'phase_signal',
        columns: [
          ...minute,
          { name: 'signal', type: 'varchar', length: '64', isPrimary: true },
          { name: 'minute_start', ...dt },
          count('count'),
          { name: 'sum', type: 'double', default: 0 },
          { name: 'max', type: 'double', default: 0 },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropCoreSchema(
      qr,
      coreSchema(CorePathTelemetry1764000670000.name, [
        { name: 'phase_signal', rebuildable: false },
        { name: 'path_telemetry', rebuildable: false },
      ]),
    );
  }
}
