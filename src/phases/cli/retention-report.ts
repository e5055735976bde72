import type { TableCell } from '../../common/cli/command-output.js';
import type { TableState } from '../retention/retention.service.js';

export const keptFor = (days: number | null) => (days === null ? 'off' : `${days}d`);

/** One line per growing table, as `retention status` and `phases status` print them. */
export function retentionRows(tables: readonly TableState[]): Array<Record<string, TableCell>> {
  return tables.map((t) => ({
    table: t.table,
    phase: t.phase ?? 'core',
    keep: keptFor(t.days) + (t.configured ? ' (set)' : ''),
    archive: t.archive,
    rows: t.rows,
    bytes: t.bytes,
    oldest: t.oldest,
    'next purge': t.nextPurge,
  }));
}
