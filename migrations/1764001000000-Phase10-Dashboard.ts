import { MigrationInterface, QueryRunner, Table, type TableColumnOptions } from 'typeorm';
import { PHASE_10_SCHEMA } from '../src/dashboard/dashboard.schema.js';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { dropPhaseSchema } from '../src/phases/guard/migration-guard.js';

const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
// durations in milliseconds: a cycle time passes 2^31 ms after 25 days
const ms = (name: string): TableColumnOptions => ({ name, type: 'bigint', isNullable: true });
const key = (name: string, type = 'integer', length?: string): TableColumnOptions => ({
  name,
  type,
  length,
  isPrimary: true,
});
const str = (name: string, length: number): TableColumnOptions => ({ name, type: 'varchar', length: String(length) });

/**
 * Phase 10: the dashboard's analytics tables. Every view row carries the generation of the
 * refresh that wrote it; readers join mv_refresh_state to see only the current generation.
 */
export class Phase10Dashboard1764001000000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    const time = (name: string, nullable = false): TableColumnOptions => ({ name, ...dt, isNullable: nullable });
    const generation = key('generation');
    const window = [time('window_start'), time('window_end')];
    const tables = [
      new Table({
        name: 'mv_token_flow_summary',
        columns: [
          generation,
          key('node_id'),
          { ...time('bucket_start'), isPrimary: true },
          int('entered'),
          int('exited'),
          int('scrapped'),
          int('wip'),
        ],
      }),
      new Table({
        name: 'mv_node_bottlenecks',
        columns: [
          generation,
          key('node_id'),
          int('graph_id'),
          str('node_code', 50),
          str('node_name', 200),
          ...window,
          int('queue_length'),
          int('waits_measured'),
          ms('avg_wait_ms'),
          ms('p90_wait_ms'),
          int('processings_measured'),
          ms('avg_processing_ms'),
          int('bottleneck_rank'),
        ],
      }),
      new Table({
        name: 'mv_team_workload',
        columns: [
          generation,
          key('team_id'),
          str('team_code', 50),
          str('team_name', 200),
          ...window,
          int('tokens_waiting'),
          int('tokens_in_progress'),
          int('completed_in_window'),
          int('operators_on_shift'),
        ],
      }),
      new Table({
        name: 'mv_cycle_time_analytics',
        // day: the UTC date the tokens finished, 'YYYY-MM-DD'
        columns: [
          generation,
          key('product_code', 'varchar', '64'),
          key('day', 'varchar', '10'),
          int('tokens_finished'),
          ms('avg_cycle_ms'),
          ms('p50_cycle_ms'),
          ms('p90_cycle_ms'),
        ],
      }),
      new Table({
        name: 'mv_refresh_state',
        columns: [
          key('view_name', 'varchar', '64'),
          int('generation'),
          time('refreshed_at', true),
          int('duration_ms', true),
          // highest token_event id the current generation has seen: incremental refreshes start after it
          int('watermark_event_id', true),
          { name: 'mode', type: 'varchar', length: '16', isNullable: true },
        ],
      }),
    ];
    for (const table of tables) await qr.createTable(table, true);
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, PHASE_10_SCHEMA);
  }
}
