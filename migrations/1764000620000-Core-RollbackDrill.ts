import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/** The reports of `rollback drill`: each rehearsal on a scratch copy, with its steps, timings and checksums. */
export class CoreRollbackDrill1764000620000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'rollback_drill',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'to_phase', type: 'integer' },
          { name: 'phases', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'actor', type: 'varchar', length: '200' },
          // which scratch database held the copy (an SQLite file or a MariaDB database), gone once the drill ends
          { name: 'copy', type: 'varchar', length: '1000' },
          { name: 'started_at', ...dt },
          { name: 'finished_at', ...dt, isNullable: true },
          { name: 'duration_ms', type: 'integer', isNullable: true },
          { name: 'steps', type: 'text' },
          { name: 'checksums', type: 'text' },
          { name: 'error', type: 'text', isNullable: true },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropCoreSchema(
      qr,
      coreSchema(CoreRollbackDrill1764000620000.name, [{ name: 'rollback_drill', rebuildable: false }]),
    );
  }
}
