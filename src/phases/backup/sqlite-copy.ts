import { readdir, readlink } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { SqliteConnectionGate } from '../../database/sqlite/connection-gate.js';

/**
 * Copies the app's SQLite database with the online backup API, through the driver's own
 * connection. The gate holds that connection for the copy: another flow's transaction
 * between two backup steps would otherwise put its uncommitted pages into the copy.
 */
export function backupSqlite(dataSource: DataSource, file: string): Promise<unknown> {
  const handle = (dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
  return SqliteConnectionGate.of(dataSource).hold(() => handle.backup(file));
}

/**
 * Copies a backup file into `target` page by page with the same API, through SQLite's
 * locks: a target that exists is replaced as a whole, in one write transaction.
 */
export async function copySqliteFile(source: string, target: string): Promise<void> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
}

/**
 * The other processes on this host that have the database (or its WAL) open: a server that
 * is running. Linux only (it reads /proc); elsewhere, and for processes of other users or
 * in other containers, it finds nothing, which the runbook says.
 */
export async function processesHolding(path: string): Promise<number[]> {
  const wanted = new Set([path, `${path}-wal`]);
  const pids = (await readdir('/proc').catch(() => [])).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  const holding: number[] = [];
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      if (wanted.has(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))) {
        holding.push(Number(pid));
        break;
      }
    }
  }
  return holding;
}
