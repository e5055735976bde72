import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex, type TableColumnOptions } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { PHASE_8_SCHEMA } from '../src/oem/oem.schema.js';
import { dropPhaseSchema } from '../src/phases/guard/migration-guard.js';

const id: TableColumnOptions = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const index = (name: string, columns: string[], unique = false) =>
  new TableIndex({ name, columnNames: columns, isUnique: unique });

/**
 * Phase 8 (OEM): job tickets with their steps, station scan rules and the shadow-run log.
 * Each table is created only if absent, so an up() cut off halfway (MySQL DDL is not
 * transactional) can simply run again.
 */
export class Phase8Oem1764000800000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    const time = (name: string, nullable = false): TableColumnOptions => ({ name, ...dt, isNullable: nullable });
    const tables = [
      new Table({
        name: 'oem_job_ticket',
        columns: [
          id,
          str('customer', 64),
          str('external_ref', 64),
          int('job_id', true),
          str('status', 16),
          time('due_at', true),
          int('current_sequence', true),
          int('step_count'),
          { name: 'version', type: 'integer', default: 1 },
          time('created_at'),
          time('updated_at'),
        ],
        indices: [
          index('uq_oem_ticket_ref', ['customer', 'external_ref'], true),
          index('uq_oem_ticket_job', ['job_id'], true),
          index('idx_oem_ticket_status', ['status', 'customer']),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['job_id'],
            referencedTableName: 'job_ticket',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
          }),
        ],
      }),
      new Table({
        name: 'oem_job_ticket_step',
        columns: [
          id,
          int('ticket_id'),
          int('sequence'),
          str('name', 100),
          str('node_code', 50, true),
          int('node_id', true),
          str('status', 16),
          time('scanned_at', true),
          str('station_code', 50, true),
        ],
        indices: [index('uq_oem_step_sequence', ['ticket_id', 'sequence'], true)],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['ticket_id'],
            referencedTableName: 'oem_job_ticket',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
      new Table({
        name: 'oem_scan_rule',
        columns: [
          id,
          str('customer', 64),
          str('station_code', 50),
          str('pattern', 200),
          str('action', 16),
          { name: 'priority', type: 'integer', default: 0 },
          { name: 'active', type: 'boolean', default: true },
          time('created_at'),
          time('updated_at'),
        ],
        indices: [index('idx_oem_rule_active', ['active', 'priority'])],
      }),
      new Table({
        name: 'oem_shadow_result',
        columns: [
          id,
          str('station_code', 50),
          str('barcode', 120),
          str('kind', 20),
          { name: 'manual', type: 'text' },
          { name: 'oem', type: 'text' },
          time('recorded_at'),
          // the shadow step progress: what OEM mode would have made of the ticket, and the stored state it started from
          int('ticket_id', true),
          int('base_version', true),
          str('base_step_status', 16, true),
          str('reached_status', 16, true),
          int('reached_sequence', true),
          str('reached_step_status', 16, true),
        ],
        indices: [
          index('idx_oem_shadow_kind', ['kind', 'id']),
          index('idx_oem_shadow_recorded', ['recorded_at']),
          index('idx_oem_shadow_ticket', ['ticket_id', 'id']),
        ],
      }),
    ];
    for (const table of tables) await qr.createTable(table, true);
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, PHASE_8_SCHEMA);
  }
}
