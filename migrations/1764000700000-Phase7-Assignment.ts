import {
  MigrationInterface,
  QueryRunner,
  Table,
  TableColumn,
  TableForeignKey,
  TableIndex,
  type TableColumnOptions,
} from 'typeorm';
import { PHASE_7_SCHEMA } from '../src/assignment/assignment.schema.js';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { dropPhaseSchema } from '../src/phases/guard/migration-guard.js';
import { createIndexIfMissing, dropIndexIfPresent } from './indexes.js';

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
const index = (name: string, columns: string[]) => new TableIndex({ name, columnNames: columns });
const cascade = (column: string, table: string) =>
  new TableForeignKey({
    columnNames: [column],
    referencedTableName: table,
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
  });

/** Open-token counts per operator are read on every automatic decision; the core's (account, id) index would scan done tokens too. */
const WORKLOAD_INDEX = 'idx_token_account_status';

/**
 * Phase 7: plan priorities, the assignment audit log, operator and team availability, leave.
 * Every step checks existence first (MySQL DDL is not transactional), so a cut-off run can be
 * run again; down() is guarded by the phase schema.
 */
export class Phase7Assignment1764000700000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    const time = (name: string, nullable = false): TableColumnOptions => ({ name, ...dt, isNullable: nullable });
    for (const table of ['assignment_plan_node', 'assignment_plan_job']) {
      if (!(await qr.hasColumn(table, 'priority')))
        await qr.addColumn(table, new TableColumn({ name: 'priority', type: 'integer', isNullable: true }));
    }
    const rule = [
      int('weekday', true),
      str('on_date', 10, true),
      int('start_minute'),
      int('end_minute'),
      { name: 'available', type: 'boolean' },
      time('created_at'),
    ];
    const tables = [
      new Table({
        name: 'assignment_log',
        columns: [
          id,
          int('token_id'),
          int('job_id'),
          int('node_id'),
          int('account_id', true),
          int('team_id', true),
          str('method', 16),
          str('reason', 255, true),
          { name: 'candidates', type: 'text' },
          str('directory', 16),
          time('decided_at'),
          int('duration_us'),
        ],
        // no foreign keys: the audit trail outlives what it names
        indices: [
          index('idx_assignment_log_token', ['token_id', 'id']),
          index('idx_assignment_log_account', ['account_id', 'decided_at']),
          index('idx_assignment_log_time', ['decided_at']),
        ],
      }),
      new Table({
        name: 'leave_request',
        columns: [
          id,
          int('account_id'),
          time('starts_at'),
          time('ends_at'),
          str('status', 16),
          str('reason', 200, true),
          str('requested_by', 100),
          str('decided_by', 100, true),
          time('decided_at', true),
          time('created_at'),
        ],
        indices: [index('idx_leave_request_account', ['account_id', 'starts_at'])],
        foreignKeys: [cascade('account_id', 'account')],
      }),
      new Table({
        name: 'operator_availability',
        columns: [id, int('account_id'), ...rule],
        indices: [index('idx_operator_availability_account', ['account_id'])],
        foreignKeys: [cascade('account_id', 'account')],
      }),
      new Table({
        name: 'team_availability',
        columns: [id, int('team_id'), ...rule],
        indices: [index('idx_team_availability_team', ['team_id'])],
        foreignKeys: [cascade('team_id', 'team')],
      }),
    ];
    for (const table of tables) await qr.createTable(table, true, true, true);
    await createIndexIfMissing(qr, 'token', WORKLOAD_INDEX, ['assigned_account_id', 'status']);
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, PHASE_7_SCHEMA);
    await dropIndexIfPresent(qr, 'token', WORKLOAD_INDEX);
  }
}
