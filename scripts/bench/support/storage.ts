import { DataSource } from 'typeorm';
import { dialectOf } from '../../../src/database/dialect.js';

/**
 * Bytes of storage across all tables and indexes per finished token: SQLite's pages in use
 * (dbstat), MariaDB's data and index length after ANALYZE, which refreshes those estimates.
 */
export async function bytesPerFinishedToken(ds: DataSource): Promise<number> {
  const [{ done }] = await ds.query<Array<{ done: number | string }>>(
    `SELECT COUNT(*) AS done FROM token WHERE status = 'done'`,
  );
  return (await storageBytes(ds)) / Math.max(1, Number(done));
}

/** Bytes in use by all tables and indexes. */
export async function storageBytes(ds: DataSource): Promise<number> {
  if (dialectOf(ds) === 'sqlite') {
    const [{ bytes }] = await ds.query<Array<{ bytes: number }>>(`SELECT SUM(pgsize) AS bytes FROM dbstat`);
    return bytes;
  }
  const tables = await ds.query<Array<{ name: string }>>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'`,
  );
  for (const { name } of tables) await ds.query(`ANALYZE TABLE \`${name}\``);
  const [{ bytes }] = await ds.query<Array<{ bytes: number | string }>>(
    `SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = DATABASE()`,
  );
  return Number(bytes);
}

/** Gives the pages deleted rows freed back: SQLite rebuilds the file (VACUUM), MariaDB each table (OPTIMIZE TABLE). */
export async function compactStorage(ds: DataSource): Promise<void> {
  if (dialectOf(ds) === 'sqlite') {
    await ds.query(`VACUUM`);
    return;
  }
  const tables = await ds.query<Array<{ name: string }>>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'`,
  );
  for (const { name } of tables) await ds.query(`OPTIMIZE TABLE \`${name}\``);
}
