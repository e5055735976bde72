import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/** The phase framework's own tables: flags with their audit, job leases, runs and stops. */
export class CoreFramework1764000200000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'feature_flag',
        columns: [
          { name: 'key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'enabled', type: 'boolean', default: false },
          { name: 'description', type: 'varchar', length: '500', default: "''" },
          { name: 'updated_at', ...dt },
          { name: 'updated_by', type: 'varchar', length: '100' },
        ],
      }),
      true,
    );
    // one row whose version moves on every flag change: replicas poll it instead of the flags
    await qr.createTable(
      new Table({
        name: 'feature_flag_state',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'version', type: 'bigint', default: 0 },
        ],
      }),
      true,
    );
    if (((await qr.query(`SELECT id FROM feature_flag_state WHERE id = 1`)) as unknown[]).length === 0) {
      await qr.query(`INSERT INTO feature_flag_state (id, version) VALUES (1, 0)`);
    }
    await qr.createTable(
      new Table({
        name: 'feature_flag_audit',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'key', type: 'varchar', length: '100' },
          { name: 'old_value', type: 'boolean', isNullable: true },
          { name: 'new_value', type: 'boolean' },
          { name: 'actor', type: 'varchar', length: '100' },
          { name: 'reason', type: 'varchar', length: '500' },
          { name: 'request_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'changed_at', ...dt },
        ],
        indices: [new TableIndex({ name: 'idx_flag_audit_key_time', columnNames: ['key', 'changed_at'] })],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'job_lease',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'owner', type: 'varchar', length: '200', isNullable: true },
          { name: 'expires_at', ...dt, isNullable: true },
          // the scheduled time of the last tick taken, so a tick runs once even when replicas'
          // timers fire a little apart
          { name: 'last_tick', ...dt, isNullable: true },
        ],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'job_run',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'job_name', type: 'varchar', length: '100' },
          { name: 'phase', type: 'integer' },
          { name: 'triggered_by', type: 'varchar', length: '16' },
          { name: 'owner', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'started_at', ...dt },
          { name: 'finished_at', ...dt, isNullable: true },
          { name: 'counts', type: 'text', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'idx_job_run_job_started', columnNames: ['job_name', 'started_at'] })],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'job_control',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'stopped', type: 'boolean', default: false },
          { name: 'changed_at', ...dt },
          { name: 'changed_by', type: 'varchar', length: '100' },
          { name: 'reason', type: 'varchar', length: '500' },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    // leases and the version counter hold nothing to keep; flags, their audit, stops and runs do
    await dropCoreSchema(
      qr,
      coreSchema(CoreFramework1764000200000.name, [
        { name: 'job_control', rebuildable: false },
        { name: 'job_run', rebuildable: false },
        { name: 'job_lease', rebuildable: true },
        { name: 'feature_flag_audit', rebuildable: false },
        { name: 'feature_flag_state', rebuildable: true },
        { name: 'feature_flag', rebuildable: false },
      ]),
    );
  }
}
