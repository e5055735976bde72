import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/**
 * Per table that retention has purged, the time before which its rows may be gone (every row
 * aged at or after it is intact): whatever is derived from the table keeps its figures for the
 * periods before it instead of recomputing them from what is left.
 */
export class CoreRetentionHorizon1764000640000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'retention_horizon',
        columns: [
          { name: 'table_name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'purged_before', ...dt },
          { name: 'updated_at', ...dt },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropCoreSchema(
      qr,
      coreSchema(CoreRetentionHorizon1764000640000.name, [{ name: 'retention_horizon', rebuildable: false }]),
    );
  }
}
