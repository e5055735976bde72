import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { dialectOf } from '../../src/database/dialect.js';

/** Every user table of the database, in name order. */
export async function tableNames(ds: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> =
    dialectOf(ds) === 'mysql'
      ? await ds.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`,
        )
      : await ds.query(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        );
  return rows.map((r) => r.name);
}

/** Written by every replica on its own timer (the path telemetry's flush), whatever a test does. */
const BACKGROUND_TABLES = ['path_telemetry', 'phase_signal'];

/**
 * A digest of each table's full contents (rows in a stable order), to prove that a request
 * changed nothing. `except` names tables (or `table.column`s) that legitimately move on
 * every request, such as an API key's last-used time; the background tables are always left out.
 */
export async function fingerprint(ds: DataSource, except: string[] = []): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of await tableNames(ds)) {
    if (except.includes(table) || BACKGROUND_TABLES.includes(table)) continue;
    const rows: Array<Record<string, unknown>> = await ds.query(`SELECT * FROM ${table}`);
    const skip = new Set(except.filter((e) => e.startsWith(`${table}.`)).map((e) => e.slice(table.length + 1)));
    const lines = rows
      .map((r) =>
        JSON.stringify(
          Object.entries(r)
            .filter(([k]) => !skip.has(k))
            .sort(([a], [b]) => a.localeCompare(b)),
        ),
      )
      .sort();
    result[table] = `${rows.length}:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return result;
}
