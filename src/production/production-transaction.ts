import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { inTransaction, isLockConflict, isUniqueViolation } from '../database/dialect.js';

/**
 * A production write in one transaction. A transaction that loses a lock conflict (a MySQL
 * deadlock between, say, a job cancel and a token finishing) is a concurrent update for the
 * client: 409, retry.
 */
export async function productionTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await inTransaction(dataSource, work);
  } catch (error) {
    if (isLockConflict(error)) throw new DomainError(ErrorCode.ConcurrentUpdate, 'A concurrent change won; reload and retry');
    throw error;
  }
}

/** Runs `work`, turning a unique-key violation into 409 CONFLICT "`what` already exists". */
export async function conflictOnDuplicate<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError(ErrorCode.Conflict, `${what} already exists`);
    throw error;
  }
}
