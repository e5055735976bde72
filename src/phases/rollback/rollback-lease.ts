import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { execute, fromDbTime, toDbTime } from '../../database/dialect.js';
import { LeaseTable } from '../../database/lease.js';

const NAME = 'rollback';

/**
 * One rollback at a time across every replica: a row in `rollback_lease`, renewed while the
 * rollback runs. A holder that was killed stops renewing, so its lease expires after the
 * time to live; on the same host a dead holder's lease is taken over at once.
 */
export class RollbackLease {
  private readonly logger = new Logger(RollbackLease.name);
  private readonly table: LeaseTable;
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private renewal?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs = 30_000,
  ) {
    this.table = new LeaseTable(dataSource, 'rollback_lease');
  }

  /** Takes the lease or throws ROLLBACK_IN_PROGRESS naming the holder. */
  async acquire(): Promise<void> {
    if (!(await this.table.tryAcquire(NAME, this.owner, this.ttlMs)) && !(await this.takeOverDeadLocalHolder())) {
      const holder = await this.table.holder(NAME);
      const until = fromDbTime(holder?.expiresAt ?? null);
      throw new DomainError(ErrorCode.RollbackInProgress, `Another rollback is in progress (held by ${holder?.owner ?? 'unknown'}${until ? ` until ${until.toISOString()} unless renewed` : ''})`, {
        holder: holder?.owner ?? null,
      });
    }
    this.renewal = setInterval(() => {
      this.table.renew(NAME, this.owner, this.ttlMs).then(
        (held) => held || this.logger.error({ msg: 'rollback lease lost', owner: this.owner }),
        (error) => this.logger.warn({ msg: 'rollback lease renewal failed', error: String(error) }),
      );
    }, this.ttlMs / 3);
    this.renewal.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.renewal);
    await this.table.release(NAME, this.owner);
  }

  /** Owners are host:pid:nonce; a holder on this host whose process is gone cannot renew. */
  private async takeOverDeadLocalHolder(): Promise<boolean> {
    const holder = (await this.table.holder(NAME))?.owner;
    const [host, pid] = holder?.split(':') ?? [];
    if (!holder || host !== hostname() || Number(pid) === process.pid || isAlive(Number(pid))) return false;
    const taken = await execute(this.dataSource, `UPDATE rollback_lease SET owner = ?, expires_at = ? WHERE name = ? AND owner = ?`, [
      this.owner,
      toDbTime(new Date(Date.now() + this.ttlMs)),
      NAME,
      holder,
    ]);
    if (taken === 1) this.logger.warn({ msg: 'took over the rollback lease of a dead process', previous: holder });
    return taken === 1;
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
