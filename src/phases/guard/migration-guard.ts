import type { QueryRunner } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { describeRowSet, digestRows, holdsData, q } from '../backup/row-stream.js';
import type { OwnedColumn, OwnedTable } from '../phase-definition.js';

/**
 * What a phase's schema owns. Declare it once in the phase module and use it both in the
 * PhaseDefinition (`tables`, `columns`) and in the migration's down(), so the two never drift.
 */
export interface PhaseSchema {
  readonly phase: number;
  readonly tables: readonly OwnedTable[];
  readonly columns: readonly OwnedColumn[];
}

export function phaseSchema(
  phase: number,
  tables: readonly OwnedTable[],
  columns: readonly OwnedColumn[] = [],
): PhaseSchema {
  return Object.freeze({ phase, tables: Object.freeze([...tables]), columns: Object.freeze([...columns]) });
}

export interface GuardItem {
  table: string;
  column?: string;
  rebuildable: boolean;
  exists: boolean;
  holdsData: boolean;
  /** Set when a verified backup holds exactly the current rows. */
  coveredBy: { backupId: number; location: string } | null;
  /** Why the drop is refused; null when it may go ahead. */
  refusal: string | null;
}

export interface GuardReport {
  phase: number;
  items: GuardItem[];
  refused: boolean;
}

interface BackupRow {
  /** An integer; some drivers hand it over as a string. */
  id: number | string;
  location: string;
  items: string;
}

interface ManifestItem {
  table: string;
  column?: string;
  rows: number;
  sha256: string;
}

/**
 * Decides, without changing anything, whether dropping the given tables and columns would
 * lose data. Emptiness is one LIMIT 1 probe. A non-rebuildable table or column holding data
 * is allowed only when a verified backup in `schema_backup` holds exactly its current rows:
 * same row count and same sha256 over the rows in primary-key order (the lines its backup
 * file was written from). Any row added, changed or removed since the backup changes the
 * digest, so a stale backup never covers a drop.
 */
export async function inspectSchemaDrop(
  qr: QueryRunner,
  schema: PhaseSchema,
  options: { checkBackups?: boolean } = {},
): Promise<GuardReport> {
  const backups = options.checkBackups === false ? [] : await verifiedBackups(qr, schema.phase);
  const items = await inspectDrop(qr, schema, backups);
  return { phase: schema.phase, items, refused: items.some((i) => i.refusal !== null) };
}

/**
 * The guard's probe for any set of tables and columns: what exists, what holds data (one
 * LIMIT 1 each) and, for data that is not rebuildable, which of `backups` holds exactly it.
 */
export async function inspectDrop(
  qr: QueryRunner,
  schema: Pick<PhaseSchema, 'tables' | 'columns'>,
  backups: readonly VerifiedBackup[] = [],
): Promise<GuardItem[]> {
  const items: GuardItem[] = [];
  for (const target of ownedTargets(schema)) {
    const set = await describeRowSet(qr, target.table, target.column, target.derived);
    const item: GuardItem = {
      table: target.table,
      column: target.column,
      rebuildable: target.rebuildable,
      exists: set !== null,
      holdsData: false,
      coveredBy: null,
      refusal: null,
    };
    items.push(item);
    if (!set) continue;
    item.holdsData = await holdsData(qr, target.table, target.column);
    if (!item.holdsData || item.rebuildable) continue;
    const candidates = backups.flatMap((b) => {
      const entry = b.items.find((i) => i.table === target.table && (i.column ?? undefined) === target.column);
      return entry ? [{ backup: b, entry }] : [];
    });
    if (candidates.length === 0) {
      item.refusal = 'holds data and no verified backup covers it';
      continue;
    }
    const current = await digestRows(qr, set);
    const match = candidates.find((c) => c.entry.rows === current.rows && c.entry.sha256 === current.sha256);
    if (match) item.coveredBy = { backupId: match.backup.id, location: match.backup.location };
    else
      item.refusal = `holds ${current.rows} rows, which differ from its latest verified backup #${candidates[0].backup.id} (${candidates[0].entry.rows} rows)`;
  }
  return items;
}

/**
 * Call first in every phase migration's down(): throws UNSAFE_REQUEST, naming each table or
 * column and whether it is empty, when the drop would lose data no verified backup holds.
 * A plain function on the migration's QueryRunner, so a raw `migrate --revert` obeys it too.
 */
export async function guardSchemaDrop(qr: QueryRunner, schema: PhaseSchema): Promise<GuardReport> {
  const report = await inspectSchemaDrop(qr, schema);
  if (report.refused) {
    const lines = report.items.map(describeItem);
    throw new DomainError(
      ErrorCode.UnsafeRequest,
      `Refusing to drop phase ${schema.phase}'s schema: ${lines.join('; ')}. ` +
        `Back it up first (rollback --phase ${schema.phase} --revert-schema --backup), then revert.`,
      { phase: schema.phase, items: report.items },
    );
  }
  return report;
}

/** The usual down(): guard, then drop the owned columns and tables (newest first), each only if present. */
export async function dropPhaseSchema(qr: QueryRunner, schema: PhaseSchema): Promise<void> {
  await guardSchemaDrop(qr, schema);
  for (const c of [...schema.columns].reverse()) {
    if (await qr.hasColumn(c.table, c.column)) await qr.dropColumn(c.table, c.column);
  }
  for (const t of [...schema.tables].reverse()) await qr.dropTable(t.name, true);
}

export interface OwnedTarget {
  table: string;
  column?: string;
  rebuildable: boolean;
  derived: readonly string[];
}

/** What a backup writes and the guard checks: each owned table without its derived columns, then each owned column. */
export function ownedTargets(schema: Pick<PhaseSchema, 'tables' | 'columns'>): OwnedTarget[] {
  return [
    ...schema.tables.map((t) => ({ table: t.name, rebuildable: t.rebuildable, derived: t.derived?.columns ?? [] })),
    ...schema.columns.map((c) => ({ table: c.table, column: c.column, rebuildable: c.rebuildable, derived: [] })),
  ];
}

export function describeItem(item: GuardItem): string {
  const name = item.column ? `${item.table}.${item.column}` : item.table;
  if (!item.exists) return `${name}: absent`;
  if (!item.holdsData) return `${name}: empty`;
  if (item.rebuildable) return `${name}: holds data, rebuildable (dropped)`;
  if (item.coveredBy) return `${name}: holds data, covered by backup #${item.coveredBy.backupId}`;
  return `${name}: ${item.refusal}`;
}

interface VerifiedBackup {
  id: number;
  location: string;
  items: ManifestItem[];
}

async function verifiedBackups(qr: QueryRunner, phase: number): Promise<VerifiedBackup[]> {
  if (!(await qr.hasTable('schema_backup'))) return [];
  const rows = (await qr.query(
    `SELECT id, location, items FROM ${q('schema_backup')} WHERE phase = ? AND status = 'verified' ORDER BY id DESC`,
    [phase],
  )) as BackupRow[];
  return rows.map((r) => ({ id: Number(r.id), location: r.location, items: JSON.parse(r.items) as ManifestItem[] }));
}

/** The schema a phase definition declares, for code that holds the definition rather than the constant. */
export function schemaOf(definition: {
  number: number;
  tables: readonly OwnedTable[];
  columns: readonly OwnedColumn[];
}): PhaseSchema {
  return phaseSchema(definition.number, definition.tables, definition.columns);
}
