import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/** Platform tables: API keys. */
export class CorePlatform1764000000000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'api_key',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'key_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'key_prefix', type: 'varchar', length: '12' },
          { name: 'created_at', ...dt },
          { name: 'last_used_at', ...dt, isNullable: true },
          { name: 'revoked_at', ...dt, isNullable: true },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropCoreSchema(qr, coreSchema(CorePlatform1764000000000.name, [{ name: 'api_key', rebuildable: false }]));
  }
}
