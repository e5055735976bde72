import { DataSource, QueryRunner, Table } from 'typeorm';
import { datetimeColumn, dialectOf, execute, insertIgnore, toDbTime } from './dialect.js';
import { retryOnConflict } from './transaction.js';

/**
 * createTable(table, true) checks, then creates: two processes starting on an empty database
 * can both see no table, and the slower one's CREATE fails. That failure is the other
 * process's success, so it counts as done once the table is there.
 */
export async function createTableIfMissing(qr: QueryRunner, table: Table): Promise<void> {
  try {
    await qr.createTable(table, true);
  } catch (error) {
    if (!(await qr.hasTable(table.name))) throw error;
  }
}

/**
 * A named lease row: one conditional UPDATE decides the holder, so exactly one process wins
 * on SQLite, MySQL, MariaDB and Galera alike (GET_LOCK is tied to one pooled connection and
 * is node-local on Galera). An expired lease can be taken over, so a crashed holder never
 * blocks the others for longer than the lease's time to live.
 */
export class LeaseTable {
  constructor(
    private readonly dataSource: DataSource,
    readonly table: string,
  ) {}

  /** Creates the table when missing; used for tables that must exist before any migration. */
  async ensureTable(): Promise<void> {
    const qr = this.dataSource.createQueryRunner();
    try {
      const dt = datetimeColumn(dialectOf(this.dataSource));
      await createTableIfMissing(
        qr,
        new Table({
          name: this.table,
          columns: [
            { name: 'name', type: 'varchar', length: '100', isPrimary: true },
            { name: 'owner', type: 'varchar', length: '200', isNullable: true },
            { name: 'expires_at', ...dt, isNullable: true },
          ],
        }),
      );
    } finally {
      await qr.release();
    }
  }

  /** Galera nodes claiming at once conflict at commit: the loser's repeat finds the lease taken. */
  async tryAcquire(name: string, owner: string, ttlMs: number, now = new Date()): Promise<boolean> {
    await retryOnConflict(() => this.dataSource.query(`${insertIgnore(dialectOf(this.dataSource))} ${this.table} (name, owner, expires_at) VALUES (?, NULL, NULL)`, [name]));
    const taken = await retryOnConflict(() =>
      execute(this.dataSource, `UPDATE ${this.table} SET owner = ?, expires_at = ? WHERE name = ? AND (owner IS NULL OR expires_at < ? OR owner = ?)`, [
        owner,
        toDbTime(new Date(now.getTime() + ttlMs)),
        name,
        toDbTime(now),
        owner,
      ]),
    );
    return taken === 1;
  }

  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const renewed = await execute(this.dataSource, `UPDATE ${this.table} SET expires_at = ? WHERE name = ? AND owner = ?`, [
      toDbTime(new Date(Date.now() + ttlMs)),
      name,
      owner,
    ]);
    return renewed === 1;
  }

  async release(name: string, owner: string): Promise<void> {
    await execute(this.dataSource, `UPDATE ${this.table} SET owner = NULL, expires_at = NULL WHERE name = ? AND owner = ?`, [name, owner]);
  }

  async holder(name: string): Promise<{ owner: string | null; expiresAt: string | null } | null> {
    const rows: Array<{ owner: string | null; expires_at: string | null }> = await this.dataSource.query(
      `SELECT owner, expires_at FROM ${this.table} WHERE name = ?`,
      [name],
    );
    return rows[0] ? { owner: rows[0].owner, expiresAt: rows[0].expires_at } : null;
  }
}
