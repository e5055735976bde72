import type { Queryable } from '../database/queryable.js';

/** Rows of ids updated per statement: bounds each statement's locks and undo, whatever the log's size. */
const FILL_IDS = 5_000;
/** A compact row's text starts `{"set":"` and its set's 64 hex digits follow (see compactRecord and referencedSet). */
const COMPACT = '{"set":"%';

/**
 * Sets assignment_log.candidate_set from each compact row's own text where it is missing or
 * stale, in id ranges, with the same portable SUBSTR on SQLite and MariaDB: after the column is
 * added (migration 1764000720000) and after a restore, since backups leave the derived column
 * out. Rows that hold their candidates whole stay NULL. Running it again changes nothing.
 */
export async function fillCandidateSetColumn(db: Queryable): Promise<void> {
  const [{ low, top }] = (await db.query(`SELECT MIN(id) AS low, MAX(id) AS top FROM assignment_log`)) as Array<{
    low: unknown;
    top: unknown;
  }>;
  // from the lowest id kept: after years of log retention the ids below it are all gone
  for (let from = Number(low ?? 1) - 1; from < Number(top ?? 0); from += FILL_IDS)
    await db.query(
      `UPDATE assignment_log SET candidate_set = SUBSTR(candidates, 9, 64) WHERE id > ? AND id <= ? AND candidates LIKE ? AND (candidate_set IS NULL OR candidate_set <> SUBSTR(candidates, 9, 64))`,
      [from, from + FILL_IDS, COMPACT],
    );
}
