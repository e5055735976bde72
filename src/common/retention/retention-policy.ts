/**
 * How long a growing table keeps its rows, declared by the module that owns the table (a
 * phase definition's `retention`, or the core's lists): the retention job reads only these.
 * A declaration, not SQL: the retention repository turns it into statements.
 */
export interface RetentionPolicy {
  table: string;
  /** The single-column primary key rows are archived and deleted by. */
  key: string;
  /** The time column a row ages by; absent for rows kept exactly as long as something references them. */
  age?: string;
  /** Days kept when the operator sets nothing; null: off by default (see `offBecause`). */
  defaultDays: number | null;
  /** Why the table is kept whole unless an operator decides otherwise (law, the factory's needs). */
  offBecause?: string;
  /** Rows are written to a verified archive before any is deleted. */
  archive: boolean;
  /** Further conditions a row must meet to go: it belongs to finished work only. */
  only: readonly RetentionCondition[];
  /** The eligible rows in words, for dry runs and the status. */
  eligible: string;
}

export type RetentionCondition =
  /**
   * The row's parent (by `column` = parent.id) is in a finished status and last changed
   * (`changedAt`) before the cutoff, so a piece's history goes whole or not at all; rows
   * without a parent qualify.
   */
  | {
      kind: 'finishedParent';
      column: string;
      parent: string;
      status: string;
      finished: readonly string[];
      changedAt: string;
    }
  /** The row's own status is not one of `values` (a run still running is open work). */
  | { kind: 'statusNot'; column: string; values: readonly string[] }
  /**
   * No row of `by` references it: none has the key in `by.column`, which must be indexed (the
   * check runs once per row, inside the DELETE itself, so nothing can reference a row between
   * the check and its deletion).
   */
  | { kind: 'unreferenced'; by: { table: string; column: string } };
