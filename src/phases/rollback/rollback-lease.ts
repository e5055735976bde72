import type { DataSource } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { LeaseTable } from '../../database/lease.js';

const NAME = 'rollback';

/**
 * One rollback at a time across every replica: the `rollback_lease` row, held while a rollback
 * runs. A killed holder stops renewing, so its lease expires after the time to live; on the
 * same host a dead holder's lease is taken over at once.
 */
export class RollbackLease {
  private readonly table: LeaseTable;

  constructor(
    dataSource: DataSource,
    private readonly ttlMs = 30_000,
  ) {
    this.table = new LeaseTable(dataSource, 'rollback_lease');
  }

  /** Runs `work` holding the lease, or throws ROLLBACK_IN_PROGRESS naming the holder. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const held = await this.table.hold(NAME, this.ttlMs, work, { takeOverDeadLocalHolder: true });
    if (held.acquired) return held.value;
    const { holder } = held;
    throw new DomainError(
      ErrorCode.RollbackInProgress,
      `Another rollback is in progress (held by ${holder?.owner ?? 'unknown'}${holder ? ` until ${holder.expiresAt.toISOString()} unless renewed` : ''})`,
      { holder: holder?.owner ?? null },
    );
  }
}
