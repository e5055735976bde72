import { DataSource } from 'typeorm';
import { dialectOf, execute, fromDbTime, insertIgnore, toDbTime } from '../../database/dialect.js';
import { retryOnConflict } from '../../database/transaction.js';

export interface LeaseHolder {
  owner: string;
  expiresAt: Date;
}

/**
 * The `job_lease` row of each job. A scheduled tick is taken with one conditional UPDATE that
 * also requires the tick to be newer than the last one taken: replicas whose timers fire a
 * few milliseconds apart still run each tick exactly once. An expired lease (crashed holder)
 * can be taken over. On Galera two nodes claiming one tick conflict at commit; the loser's
 * repeat finds the tick taken, as a second claim on one server does.
 */
export class JobLease {
  constructor(private readonly dataSource: DataSource) {}

  async acquire(name: string, owner: string, ttlMs: number, tick?: Date): Promise<boolean> {
    await retryOnConflict(() => this.dataSource.query(`${insertIgnore(dialectOf(this.dataSource))} job_lease (name) VALUES (?)`, [name]));
    const now = new Date();
    const free = `(owner IS NULL OR expires_at < ?)`;
    const params: unknown[] = [owner, toDbTime(new Date(now.getTime() + ttlMs))];
    let sql = `UPDATE job_lease SET owner = ?, expires_at = ?`;
    if (tick) {
      sql += `, last_tick = ? WHERE name = ? AND ${free} AND (last_tick IS NULL OR last_tick < ?)`;
      params.push(toDbTime(tick), name, toDbTime(now), toDbTime(tick));
    } else {
      sql += ` WHERE name = ? AND ${free}`;
      params.push(name, toDbTime(now));
    }
    return (await retryOnConflict(() => execute(this.dataSource, sql, params))) === 1;
  }

  async renew(name: string, owner: string, ttlMs: number): Promise<void> {
    await execute(this.dataSource, `UPDATE job_lease SET expires_at = ? WHERE name = ? AND owner = ?`, [toDbTime(new Date(Date.now() + ttlMs)), name, owner]);
  }

  async release(name: string, owner: string): Promise<void> {
    await execute(this.dataSource, `UPDATE job_lease SET owner = NULL, expires_at = NULL WHERE name = ? AND owner = ?`, [name, owner]);
  }

  /** The live holder, or null when free or expired. */
  async holder(name: string): Promise<LeaseHolder | null> {
    const [row] = await this.dataSource.query(`SELECT owner, expires_at FROM job_lease WHERE name = ?`, [name]);
    const expiresAt = fromDbTime(row?.expires_at ?? null);
    if (!row?.owner || !expiresAt || expiresAt.getTime() < Date.now()) return null;
    return { owner: row.owner, expiresAt };
  }
}
