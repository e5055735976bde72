import type { DataSource } from 'typeorm';
import { describeRowSet, digestRows } from '../../backup/row-stream.js';
import type { PhaseDefinition } from '../../phase-definition.js';
import type { DrillChecksum } from './rollback-drill.entity.js';

export interface OwnedDigest {
  phase: number;
  table: string;
  column?: string;
  rows: number;
  sha256: string;
}

/**
 * Row count and sha256 of every table and column the phases own, read the way the backup
 * and the migration guard read them; what does not exist (a schema already reverted) is left out.
 */
export async function digestOwned(dataSource: DataSource, phases: readonly PhaseDefinition[]): Promise<OwnedDigest[]> {
  const qr = dataSource.createQueryRunner();
  try {
    const digests: OwnedDigest[] = [];
    for (const def of phases) {
      const targets = [...def.tables.map((t) => ({ table: t.name, column: undefined })), ...def.columns];
      for (const { table, column } of targets) {
        const set = await describeRowSet(qr, table, column);
        if (!set) continue;
        const { rows, sha256 } = await digestRows(qr, set);
        digests.push({ phase: def.number, table, ...(column ? { column } : {}), rows, sha256 });
      }
    }
    return digests;
  } finally {
    await qr.release();
  }
}

/** Each table and column as it was before the drill against what it is after (missing: a mismatch). */
export function compareDigests(before: readonly OwnedDigest[], after: readonly OwnedDigest[]): DrillChecksum[] {
  return before.map((b) => {
    const a = after.find((d) => d.table === b.table && d.column === b.column);
    return {
      phase: b.phase,
      table: b.table,
      ...(b.column ? { column: b.column } : {}),
      rows: b.rows,
      expected: b.sha256,
      actual: a?.sha256 ?? null,
      actualRows: a?.rows ?? null,
      ok: a !== undefined && a.rows === b.rows && a.sha256 === b.sha256,
    };
  });
}
