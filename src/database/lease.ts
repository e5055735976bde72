import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { DataSource, QueryRunner, Table } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { datetimeColumn, dialectOf, execute, fromDbTime, insertIgnore, isLockConflict, toDbTime } from './dialect.js';
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

/** `host:pid:nonce`: unique per holder, and on the holder's own host it tells whether it still lives. */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export interface LeaseHolder {
  owner: string;
  expiresAt: Date;
}

export interface HoldOptions {
  /** Take the lease only for a tick newer than the last one taken (the table has `last_tick`). */
  tick?: Date;
  /** Keep trying, every `pollMs`, until this long has passed; by default one attempt. */
  waitMs?: number;
  pollMs?: number;
  /** Called once when the lease is found held and `waitMs` makes us wait. */
  onWait?: () => void;
  /** A holder on this host whose process is gone cannot renew: take its lease at once. */
  takeOverDeadLocalHolder?: boolean;
}

export type Held<T> = { acquired: true; value: T } | { acquired: false; holder: LeaseHolder | null };

/**
 * A named lease row: one conditional UPDATE decides the holder, so exactly one process wins
 * on SQLite, MySQL, MariaDB and Galera alike (GET_LOCK is tied to one pooled connection and
 * is node-local on Galera). The holder renews it every third of its time to live while it
 * works; a crashed holder stops renewing, so its lease can be taken once it expires.
 * This is the one lease of the code base: migrations, phase jobs and rollbacks all hold it.
 */
export class LeaseTable {
  private readonly logger: Logger;

  constructor(
    private readonly dataSource: DataSource,
    readonly table: string,
    readonly owner = newLeaseOwner(),
  ) {
    this.logger = new Logger(`LeaseTable(${table})`);
  }

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

  /**
   * Runs `work` holding the lease `name`, renewed while it runs and released after it, even
   * when it throws. When the lease cannot be had, `work` does not run and the live holder is
   * returned instead.
   */
  async hold<T>(name: string, ttlMs: number, work: () => Promise<T>, options: HoldOptions = {}): Promise<Held<T>> {
    if (!(await this.acquireWithin(name, ttlMs, options))) return { acquired: false, holder: await this.holder(name) };
    const renewal = setInterval(() => {
      this.renew(name, ttlMs).then(
        (held) => held || this.logger.error({ msg: 'lease lost', name, owner: this.owner }),
        (error: unknown) => this.logger.warn({ msg: 'lease renewal failed', name, error: String(error) }),
      );
    }, ttlMs / 3);
    renewal.unref();
    try {
      return { acquired: true, value: await work() };
    } finally {
      clearInterval(renewal);
      await this.release(name).catch((error: unknown) =>
        this.logger.warn({ msg: 'lease release failed', name, error: String(error) }),
      );
    }
  }

  /** The live holder, or null when the lease is free or expired. */
  async holder(name: string): Promise<LeaseHolder | null> {
    const [row] = await this.dataSource.query<
      Array<{ owner: string | null; expires_at: string | Date | null } | undefined>
    >(`SELECT owner, expires_at FROM ${this.table} WHERE name = ?`, [name]);
    const expiresAt = fromDbTime(row?.expires_at);
    if (!row?.owner || !expiresAt || expiresAt.getTime() < Date.now()) return null;
    return { owner: row.owner, expiresAt };
  }

  private async acquireWithin(name: string, ttlMs: number, options: HoldOptions): Promise<boolean> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (let attempt = 0; ; attempt++) {
      if (
        (await this.attempt(name, ttlMs, options, deadline)) ||
        (options.takeOverDeadLocalHolder && (await this.takeOverDeadLocalHolder(name, ttlMs)))
      )
        return true;
      if (Date.now() >= deadline) return false;
      if (attempt === 0) options.onWait?.();
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
  }

  /**
   * One claim. While there is time left to wait, a claim that meets the holder's write lock
   * (SQLite's busy file, a lock conflict) is only a claim not won yet: the next poll tries again.
   */
  private async attempt(name: string, ttlMs: number, options: HoldOptions, deadline: number): Promise<boolean> {
    try {
      return await this.tryAcquire(name, ttlMs, options.tick);
    } catch (error) {
      if (
        Date.now() < deadline &&
        (isLockConflict(error) || (error instanceof DomainError && error.code === ErrorCode.ConcurrentUpdate))
      )
        return false;
      throw error;
    }
  }

  /** Galera nodes claiming at once conflict at commit: the loser's repeat finds the lease taken. */
  private async tryAcquire(name: string, ttlMs: number, tick?: Date): Promise<boolean> {
    await retryOnConflict(() =>
      this.dataSource.query(`${insertIgnore(dialectOf(this.dataSource))} ${this.table} (name) VALUES (?)`, [name]),
    );
    const now = new Date();
    const params: unknown[] = [this.owner, toDbTime(new Date(now.getTime() + ttlMs))];
    let sql = `UPDATE ${this.table} SET owner = ?, expires_at = ?`;
    if (tick) {
      // replicas whose timers fire a few milliseconds apart still run each tick exactly once
      sql += `, last_tick = ? WHERE name = ? AND (owner IS NULL OR expires_at < ?) AND (last_tick IS NULL OR last_tick < ?)`;
      params.push(toDbTime(tick), name, toDbTime(now), toDbTime(tick));
    } else {
      sql += ` WHERE name = ? AND (owner IS NULL OR expires_at < ?)`;
      params.push(name, toDbTime(now));
    }
    return (await retryOnConflict(() => execute(this.dataSource, sql, params))) === 1;
  }

  private async takeOverDeadLocalHolder(name: string, ttlMs: number): Promise<boolean> {
    const holder = (await this.holder(name))?.owner;
    const [host, pid] = holder?.split(':') ?? [];
    if (!holder || host !== hostname() || Number(pid) === process.pid || isAlive(Number(pid))) return false;
    const taken = await execute(
      this.dataSource,
      `UPDATE ${this.table} SET owner = ?, expires_at = ? WHERE name = ? AND owner = ?`,
      [this.owner, toDbTime(new Date(Date.now() + ttlMs)), name, holder],
    );
    if (taken === 1) this.logger.warn({ msg: 'took over the lease of a dead process', name, previous: holder });
    return taken === 1;
  }

  private async renew(name: string, ttlMs: number): Promise<boolean> {
    const renewed = await execute(
      this.dataSource,
      `UPDATE ${this.table} SET expires_at = ? WHERE name = ? AND owner = ?`,
      [toDbTime(new Date(Date.now() + ttlMs)), name, this.owner],
    );
    return renewed === 1;
  }

  private async release(name: string): Promise<void> {
    await execute(
      this.dataSource,
      `UPDATE ${this.table} SET owner = NULL, expires_at = NULL WHERE name = ? AND owner = ?`,
      [name, this.owner],
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
