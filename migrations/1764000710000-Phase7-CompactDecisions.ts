import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { PHASE_7_COMPACT_SCHEMA } from '../src/assignment/assignment.schema.js';
import { dropPhaseSchema } from '../src/phases/guard/migration-guard.js';

/**
 * Phase 7: the candidate sets that assignment_log rows reference, one row per sha256 of a set
 * (see src/assignment/assignment-log-record.ts). Rows written before keep their candidates
 * whole and are read as they are, so nothing is converted. down() is guarded by the sets'
 * schema: it refuses while they hold rows no verified backup covers.
 */
export class Phase7CompactDecisions1764000710000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'assignment_candidate_set',
        columns: [
          // lower-case hex: the same key under any collation
          { name: 'hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'candidates', type: 'text' },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, PHASE_7_COMPACT_SCHEMA);
  }
}
