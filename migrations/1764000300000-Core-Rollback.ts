import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/** Rollback bookkeeping: verified backups the migration guard trusts, the rollback log and its lease. */
export class CoreRollback1764000300000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'schema_backup',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'phase', type: 'integer' },
          { name: 'location', type: 'varchar', length: '1000' },
          { name: 'status', type: 'varchar', length: '16' },
          // per table/column: rows and sha256 of the rows in primary-key order (the guard recomputes both)
          { name: 'items', type: 'text' },
          { name: 'created_by', type: 'varchar', length: '200' },
          { name: 'created_at', ...dt },
          { name: 'verified_at', ...dt, isNullable: true },
        ],
        indices: [new TableIndex({ name: 'idx_schema_backup_phase', columnNames: ['phase', 'status'] })],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'rollback_log',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'kind', type: 'varchar', length: '16' },
          // ",10,9," so one LIKE finds every rollback that touched a phase
          { name: 'phases', type: 'varchar', length: '200' },
          { name: 'revert_schema', type: 'boolean', default: false },
          { name: 'backup', type: 'boolean', default: false },
          { name: 'reason', type: 'varchar', length: '1000' },
          { name: 'actor', type: 'varchar', length: '200' },
          { name: 'request_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'started_at', ...dt },
          { name: 'finished_at', ...dt, isNullable: true },
          { name: 'duration_ms', type: 'integer', isNullable: true },
          { name: 'data_loss', type: 'boolean', default: false },
          { name: 'issues', type: 'text' },
          { name: 'resolution', type: 'text', isNullable: true },
          { name: 'steps', type: 'text' },
          { name: 'backup_location', type: 'varchar', length: '1000', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'idx_rollback_log_status', columnNames: ['status'] })],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'rollback_lease',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'owner', type: 'varchar', length: '200', isNullable: true },
          { name: 'expires_at', ...dt, isNullable: true },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    // the audit trail of every rollback and the record of every backup: never dropped by accident
    await dropCoreSchema(
      qr,
      coreSchema(CoreRollback1764000300000.name, [
        { name: 'rollback_lease', rebuildable: true },
        { name: 'rollback_log', rebuildable: false },
        { name: 'schema_backup', rebuildable: false },
      ]),
    );
  }
}
