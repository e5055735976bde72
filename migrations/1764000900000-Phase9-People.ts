import { MigrationInterface, QueryRunner, Table, TableIndex, type TableColumnOptions } from 'typeorm';
import { datetimeColumn, dialectOf, insertIgnore, toDbTime } from '../src/database/dialect.js';
import { dropPhaseSchema } from '../src/phases/guard/migration-guard.js';
import { PHASE_9_SCHEMA } from '../src/people/people.schema.js';

const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const index = (name: string, columns: string[]) => new TableIndex({ name, columnNames: columns });

/** What the People integration starts with: national ids never stored, phones to their last four digits, emails masked. */
export const SEEDED_MASKING_POLICY = [
  { field: 'national_id', strategy: 'drop', keepLast: null },
  { field: 'phone', strategy: 'mask', keepLast: 4 },
  { field: 'email', strategy: 'mask', keepLast: 0 },
] as const;

/** Phase 9: People-system caches (rebuildable), the masking policy and the sync error log. */
export class Phase9People1764000900000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    const time = (name: string, nullable = false): TableColumnOptions => ({ name, ...dt, isNullable: nullable });
    const cached = [time('fetched_at'), time('expires_at')];
    const tables = [
      new Table({
        name: 'people_operator_cache',
        columns: [
          { ...str('id', 64), isPrimary: true },
          str('employee_no', 50),
          str('name', 200, true),
          str('email', 320, true),
          str('phone', 100, true),
          str('national_id', 100, true),
          { name: 'team_ids', type: 'text' },
          { name: 'skills', type: 'text' },
          { name: 'active', type: 'boolean' },
          time('source_updated_at'),
          // start of the last full sync that saw the operator: older ones are gone upstream
          time('full_synced_at', true),
          ...cached,
        ],
        indices: [
          index('idx_people_operator_employee_no', ['employee_no']),
          index('idx_people_operator_updated', ['source_updated_at']),
          index('idx_people_operator_expires', ['expires_at']),
          index('idx_people_operator_full_sync', ['full_synced_at']),
        ],
      }),
      new Table({
        name: 'people_team_cache',
        columns: [
          { ...str('id', 64), isPrimary: true },
          str('code', 50),
          str('name', 200),
          { name: 'active', type: 'boolean' },
          ...cached,
        ],
        indices: [index('idx_people_team_code', ['code']), index('idx_people_team_expires', ['expires_at'])],
      }),
      new Table({
        name: 'people_availability_cache',
        columns: [
          { ...str('id', 64), isPrimary: true },
          str('operator_id', 64),
          str('kind', 16),
          time('starts_at'),
          time('ends_at'),
          // the window the run asked for: outside it the cache knows nothing
          time('window_start'),
          time('window_end'),
          ...cached,
        ],
        indices: [
          index('idx_people_availability_operator', ['operator_id', 'starts_at']),
          index('idx_people_availability_expires', ['expires_at']),
        ],
      }),
      new Table({
        name: 'people_masking_policy',
        columns: [
          { ...str('field', 50), isPrimary: true },
          str('strategy', 16),
          { name: 'keep_last', type: 'integer', isNullable: true },
          time('updated_at'),
          str('updated_by', 100),
        ],
      }),
      new Table({
        name: 'people_sync_error_log',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          str('job_name', 100),
          str('record_id', 100, true),
          str('error', 500),
          str('payload_hash', 64, true),
          time('occurred_at'),
        ],
        indices: [index('idx_people_sync_error_job', ['job_name', 'id'])],
      }),
    ];
    for (const table of tables) if (!(await qr.hasTable(table.name))) await qr.createTable(table);
    const now = toDbTime(new Date());
    for (const p of SEEDED_MASKING_POLICY) {
      await qr.query(
        `${insertIgnore(dialectOf(qr))} people_masking_policy (field, strategy, keep_last, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)`,
        [p.field, p.strategy, p.keepLast, now, 'migration'],
      );
    }
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, PHASE_9_SCHEMA);
  }
}
