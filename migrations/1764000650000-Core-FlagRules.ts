import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/**
 * Targeting rules beside each flag's on/off value (one JSON list per flag, absent when the
 * flag has none), and their audit: who, when, why, the rules before and after.
 */
export class CoreFlagRules1764000650000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'feature_flag_rules',
        columns: [
          { name: 'flag_key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'rules', type: 'text' },
          { name: 'updated_at', ...dt },
          { name: 'updated_by', type: 'varchar', length: '100' },
        ],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'feature_flag_rules_audit',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'flag_key', type: 'varchar', length: '100' },
          // null: the flag had (or has) no rules
          { name: 'old_rules', type: 'text', isNullable: true },
          { name: 'new_rules', type: 'text', isNullable: true },
          { name: 'actor', type: 'varchar', length: '100' },
          { name: 'reason', type: 'varchar', length: '500' },
          { name: 'request_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'changed_at', ...dt },
        ],
        indices: [{ name: 'idx_flag_rules_audit_key', columnNames: ['flag_key', 'id'] }],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropCoreSchema(
      qr,
      coreSchema(CoreFlagRules1764000650000.name, [
        { name: 'feature_flag_rules_audit', rebuildable: false },
        { name: 'feature_flag_rules', rebuildable: false },
      ]),
    );
  }
}
