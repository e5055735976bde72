import { MigrationInterface, QueryRunner } from 'typeorm';
import { PHASE_7_CANDIDATE_SET_SCHEMA } from '../src/assignment/assignment.schema.js';
import { fillCandidateSetColumn } from '../src/assignment/candidate-set-column.repository.js';
import { guardSchemaDrop } from '../src/phases/guard/migration-guard.js';
import { createIndexIfMissing, dropIndexIfPresent } from './indexes.js';

const INDEX = 'idx_assignment_log_candidate_set';

/**
 * Phase 7: the candidate set each assignment_log row references, as an indexed column of its
 * own, so "is this set still referenced" is one index probe instead of a LIKE over the whole
 * log (retention's check, issue #21). Rows already written are filled from their text in
 * bounded id ranges. The column is derived from the row's own text, so down() drops it without
 * a backup (its guard still runs, declaring it rebuildable), and PHASE_7_SCHEMA declares it
 * derived: backups leave it out and a restore fills it.
 */
export class Phase7CandidateSetColumn1764000720000 implements MigrationInterface {
  // plain ALTERs: TypeORM's addColumn and dropColumn copy the whole table on SQLite, the log being the largest
  async up(qr: QueryRunner): Promise<void> {
    if (!(await qr.hasColumn('assignment_log', 'candidate_set')))
      await qr.query(`ALTER TABLE assignment_log ADD COLUMN candidate_set varchar(64) NULL`);
    await fillCandidateSetColumn(qr);
    await createIndexIfMissing(qr, 'assignment_log', INDEX, ['candidate_set']);
  }

  async down(qr: QueryRunner): Promise<void> {
    await guardSchemaDrop(qr, PHASE_7_CANDIDATE_SET_SCHEMA);
    await dropIndexIfPresent(qr, 'assignment_log', INDEX);
    if (await qr.hasColumn('assignment_log', 'candidate_set'))
      await qr.query(`ALTER TABLE assignment_log DROP COLUMN candidate_set`);
  }
}
