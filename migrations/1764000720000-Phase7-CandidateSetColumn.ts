import { MigrationInterface, QueryRunner } from 'typeorm';
import { PHASE_7_CANDIDATE_SET_SCHEMA } from '../src/assignment/assignment.schema.js';
import { fillCandidateSetColumn } from '../src/assignment/candidate-set-column.repository.js';
import { dialectOf } from '../src/database/dialect.js';
import { guardSchemaDrop } from '../src/phases/guard/migration-guard.js';

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
    if (!(await hasIndex(qr))) await qr.query(`CREATE INDEX ${INDEX} ON assignment_log (candidate_set)`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await guardSchemaDrop(qr, PHASE_7_CANDIDATE_SET_SCHEMA);
    if (await hasIndex(qr))
      await qr.query(dialectOf(qr) === 'mysql' ? `DROP INDEX ${INDEX} ON assignment_log` : `DROP INDEX ${INDEX}`);
    if (await qr.hasColumn('assignment_log', 'candidate_set'))
      await qr.query(`ALTER TABLE assignment_log DROP COLUMN candidate_set`);
  }
}

async function hasIndex(qr: QueryRunner): Promise<boolean> {
  const log = await qr.getTable('assignment_log');
  return log?.indices.some((i) => i.name === INDEX) ?? false;
}
