import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, guardCoreDrop } from '../src/phases/guard/core-schema-guard.js';

/**
 * The rest of the factory's rollback history on rollback_log: which path ran the rollback
 * (method), what caused it and how it ended (root cause, outcome, written with the
 * resolution), and when the phase came back (re_enabled_at, set by `phases enable`).
 */
export class CoreRollbackHistory1764000630000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const columns = [
      // null on rows logged before the method was recorded
      new TableColumn({ name: 'method', type: 'varchar', length: '32', isNullable: true }),
      new TableColumn({ name: 'root_cause', type: 'text', isNullable: true }),
      new TableColumn({ name: 'outcome', type: 'text', isNullable: true }),
      new TableColumn({ name: 're_enabled_at', ...datetimeColumn(dialectOf(qr)), isNullable: true }),
    ];
    for (const column of columns)
      if (!(await qr.hasColumn('rollback_log', column.name))) await qr.addColumn('rollback_log', column);
  }

  /** The history written into these columns is kept like the rest of the rollback log: see guardCoreDrop. */
  async down(qr: QueryRunner): Promise<void> {
    const names = ['re_enabled_at', 'outcome', 'root_cause', 'method'];
    await guardCoreDrop(
      qr,
      coreSchema(
        CoreRollbackHistory1764000630000.name,
        [],
        names.map((column) => ({ table: 'rollback_log', column, key: 'id', rebuildable: false })),
      ),
    );
    for (const name of names) if (await qr.hasColumn('rollback_log', name)) await qr.dropColumn('rollback_log', name);
  }
}
