import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';

/** The record of each full-database backup, written only once its file has been read back and its sha256 matched. */
export class CoreFullBackup1764000610000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'full_backup',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'location', type: 'varchar', length: '1000' },
          { name: 'dialect', type: 'varchar', length: '16' },
          { name: 'bytes', type: 'bigint' },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'actor', type: 'varchar', length: '200' },
          { name: 'reason', type: 'varchar', length: '1000', isNullable: true },
          { name: 'created_at', ...dt },
          { name: 'verified_at', ...dt },
        ],
        indices: [new TableIndex({ name: 'idx_full_backup_created', columnNames: ['created_at'] })],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('full_backup', true);
  }
}
