import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex, type TableColumnOptions } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

const id: TableColumnOptions = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};
const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const fk = (column: string, table: string, onDelete: 'CASCADE' | 'SET NULL' | 'RESTRICT' = 'RESTRICT') =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete });
const index = (name: string, columns: string[], unique = false) =>
  new TableIndex({ name, columnNames: columns, isUnique: unique });

/** Tables dropped by down(), children first. */
const TABLES = [
  'scan_record',
  'assignment_plan_job',
  'assignment_plan_node',
  'token_event',
  'token',
  'job_ticket',
  'graph_edge',
  'graph_node',
  'production_graph',
  'team_member',
  'team',
  'account',
];

/**
 * The production core: graphs, jobs, tokens with their event history, the local operator
 * table, manual assignment plans and the scan de-duplication table.
 */
export class CoreProduction1764000100000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    const time = (name: string, nullable = false): TableColumnOptions => ({ name, ...dt, isNullable: nullable });
    const tables = [
      new Table({
        name: 'account',
        columns: [
          id,
          str('code', 50),
          str('name', 200),
          { name: 'skills', type: 'text' },
          { name: 'active', type: 'boolean', default: true },
          time('created_at'),
        ],
        indices: [index('uq_account_code', ['code'], true)],
      }),
      new Table({
        name: 'team',
        columns: [id, str('code', 50), str('name', 200), time('created_at')],
        indices: [index('uq_team_code', ['code'], true)],
      }),
      new Table({
        name: 'team_member',
        columns: [
          { name: 'team_id', type: 'integer', isPrimary: true },
          { name: 'account_id', type: 'integer', isPrimary: true },
        ],
        indices: [index('idx_team_member_account', ['account_id'])],
        foreignKeys: [fk('team_id', 'team', 'CASCADE'), fk('account_id', 'account', 'CASCADE')],
      }),
      new Table({
        name: 'production_graph',
        columns: [id, str('code', 50), str('name', 200), time('created_at'), time('updated_at')],
        indices: [index('uq_production_graph_code', ['code'], true)],
      }),
      new Table({
        name: 'graph_node',
        columns: [
          id,
          ref('graph_id'),
          str('code', 50),
          str('name', 200),
          str('kind', 8),
          str('station_code', 50, true),
        ],
        indices: [
          index('uq_graph_node_code', ['graph_id', 'code'], true),
          index('idx_graph_node_station', ['station_code']),
        ],
        foreignKeys: [fk('graph_id', 'production_graph', 'CASCADE')],
      }),
      new Table({
        name: 'graph_edge',
        columns: [id, ref('graph_id'), ref('from_node_id'), ref('to_node_id'), str('outcome', 32, true)],
        indices: [
          index('idx_graph_edge_graph', ['graph_id']),
          index('idx_graph_edge_from', ['from_node_id']),
          index('idx_graph_edge_to', ['to_node_id']),
        ],
        foreignKeys: [
          fk('graph_id', 'production_graph', 'CASCADE'),
          fk('from_node_id', 'graph_node', 'CASCADE'),
          fk('to_node_id', 'graph_node', 'CASCADE'),
        ],
      }),
      new Table({
        name: 'job_ticket',
        columns: [
          id,
          str('code', 64),
          ref('graph_id'),
          str('product_code', 64),
          { name: 'quantity', type: 'integer' },
          { name: 'priority', type: 'integer', default: 0 },
          str('status', 16),
          time('due_at', true),
          // tokens neither done nor scrapped: the job is done when the last one finishes
          { name: 'open_tokens', type: 'integer', default: 0 },
          time('created_at'),
          time('updated_at'),
        ],
        indices: [
          index('uq_job_ticket_code', ['code'], true),
          index('idx_job_ticket_status', ['status', 'id']),
          index('idx_job_ticket_graph', ['graph_id']),
        ],
        foreignKeys: [fk('graph_id', 'production_graph')],
      }),
      new Table({
        name: 'token',
        columns: [
          id,
          str('serial', 80),
          ref('job_id'),
          ref('current_node_id'),
          str('status', 16),
          ref('assigned_account_id', true),
          ref('assigned_team_id', true),
          { name: 'version', type: 'integer', default: 1 },
          time('created_at'),
          time('updated_at'),
        ],
        indices: [
          index('uq_token_serial', ['serial'], true),
          index('idx_token_job', ['job_id', 'id']),
          index('idx_token_status', ['status', 'id']),
          index('idx_token_node', ['current_node_id', 'id']),
          index('idx_token_account', ['assigned_account_id', 'id']),
          index('idx_token_team', ['assigned_team_id', 'id']),
        ],
        foreignKeys: [
          fk('job_id', 'job_ticket'),
          fk('current_node_id', 'graph_node'),
          fk('assigned_account_id', 'account', 'SET NULL'),
          fk('assigned_team_id', 'team', 'SET NULL'),
        ],
      }),
      new Table({
        name: 'token_event',
        columns: [
          id,
          ref('token_id'),
          str('type', 16),
          ref('node_id', true),
          ref('operator_id', true),
          time('occurred_at'),
          { name: 'payload', type: 'text', isNullable: true },
        ],
        indices: [
          index('idx_token_event_node_time', ['node_id', 'occurred_at']),
          index('idx_token_event_time', ['occurred_at']),
          index('idx_token_event_token', ['token_id', 'id']),
        ],
        foreignKeys: [fk('token_id', 'token'), fk('node_id', 'graph_node'), fk('operator_id', 'account', 'SET NULL')],
      }),
      new Table({
        name: 'assignment_plan_node',
        columns: [id, ref('node_id'), ref('account_id', true), ref('team_id', true), time('created_at')],
        indices: [index('idx_assignment_plan_node_node', ['node_id'])],
        foreignKeys: [
          fk('node_id', 'graph_node', 'CASCADE'),
          fk('account_id', 'account', 'CASCADE'),
          fk('team_id', 'team', 'CASCADE'),
        ],
      }),
      new Table({
        name: 'assignment_plan_job',
        columns: [id, ref('job_id'), ref('node_id'), ref('account_id', true), ref('team_id', true), time('created_at')],
        indices: [index('idx_assignment_plan_job_job_node', ['job_id', 'node_id'])],
        foreignKeys: [
          fk('job_id', 'job_ticket', 'CASCADE'),
          fk('node_id', 'graph_node', 'CASCADE'),
          fk('account_id', 'account', 'CASCADE'),
          fk('team_id', 'team', 'CASCADE'),
        ],
      }),
      new Table({
        name: 'scan_record',
        columns: [
          id,
          str('station_code', 50),
          str('barcode', 120),
          time('scanned_at'),
          ref('token_id', true),
          { name: 'result', type: 'text', isNullable: true },
        ],
        indices: [index('uq_scan_record_station_barcode', ['station_code', 'barcode'], true)],
      }),
    ];
    for (const table of tables) await qr.createTable(table, true, true, true);
  }

  /**
   * Refuses while any production table holds rows, unless the operator overrides it with a
   * verified full backup: the core is no phase, so no phase backup covers its data, and a
   * revert would otherwise silently lose the whole production history.
   */
  async down(qr: QueryRunner): Promise<void> {
    await dropCoreSchema(
      qr,
      coreSchema(
        CoreProduction1764000100000.name,
        TABLES.map((name) => ({ name, rebuildable: false })),
      ),
    );
  }
}
