import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { createIndexIfMissing, dropIndexIfPresent } from './indexes.js';

/** The history views, their partition column, and the columns a generation's row carries. */
const HISTORY = [
  {
    view: 'mv_token_flow_summary',
    index: 'idx_mv_token_flow_partition',
    partition: 'bucket_start',
    columns: ['node_id', 'bucket_start', 'entered', 'exited', 'scrapped', 'wip'],
  },
  {
    view: 'mv_cycle_time_analytics',
    index: 'idx_mv_cycle_time_partition',
    partition: 'day',
    columns: ['product_code', 'day', 'tokens_finished', 'avg_cycle_ms', 'p50_cycle_ms', 'p90_cycle_ms'],
  },
];

/**
 * Phase 10: generations per partition for the history views. A view's rows before
 * mv_refresh_state.split_key are read from its base generation, the rest from its current one,
 * so an incremental refresh rewrites only the recent partitions and leaves the closed ones in
 * place. The (generation, partition) indexes let a refresh touch a range of partitions without
 * reading the whole generation.
 *
 * down() first folds the base generation's visible rows into the current one, so the schema
 * before this migration (one generation per view) shows the same figures: the aggregates kept
 * from before the retention horizon cannot be recomputed and must not be lost.
 */
export class Phase10DashboardPartitions1764001010000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    if (!(await qr.hasColumn('mv_refresh_state', 'base_generation')))
      await qr.addColumns('mv_refresh_state', [
        // the generation that holds the partitions before split_key; null: the current one holds all
        new TableColumn({ name: 'base_generation', type: 'integer', isNullable: true }),
        // the first partition the current generation holds, as the view stores it (bucket_start or day)
        new TableColumn({ name: 'split_key', type: 'varchar', length: '32', isNullable: true }),
      ]);
    for (const h of HISTORY) await createIndexIfMissing(qr, h.view, h.index, ['generation', h.partition]);
  }

  async down(qr: QueryRunner): Promise<void> {
    if (!(await qr.hasTable('mv_refresh_state'))) return;
    const split = await qr.hasColumn('mv_refresh_state', 'base_generation');
    for (const h of HISTORY) {
      if (split) await foldBase(qr, h);
      await dropIndexIfPresent(qr, h.view, h.index);
    }
    for (const column of ['split_key', 'base_generation'])
      if (await qr.hasColumn('mv_refresh_state', column)) await qr.dropColumn('mv_refresh_state', column);
  }
}

/** Copies the base generation's rows before the split into the current generation, then drops the base. */
async function foldBase(qr: QueryRunner, h: (typeof HISTORY)[number]): Promise<void> {
  const states = (await qr.query(
    `SELECT generation, base_generation, split_key FROM mv_refresh_state
     WHERE view_name = ? AND base_generation IS NOT NULL AND base_generation <> generation AND split_key IS NOT NULL`,
    [h.view],
  )) as Array<{ generation: number; base_generation: number; split_key: string }>;
  const columns = h.columns.join(', ');
  for (const s of states) {
    // readers never see the current generation before the split: clearing it first makes a rerun after a failure safe
    await qr.query(`DELETE FROM ${h.view} WHERE generation = ? AND ${h.partition} < ?`, [s.generation, s.split_key]);
    await qr.query(
      `INSERT INTO ${h.view} (generation, ${columns}) SELECT ?, ${columns} FROM ${h.view} WHERE generation = ? AND ${h.partition} < ?`,
      [s.generation, s.base_generation, s.split_key],
    );
    await qr.query(`DELETE FROM ${h.view} WHERE generation = ?`, [s.base_generation]);
    await qr.query(`UPDATE mv_refresh_state SET base_generation = NULL, split_key = NULL WHERE view_name = ?`, [
      h.view,
    ]);
  }
}
