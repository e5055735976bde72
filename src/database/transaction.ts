import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { dialectOf, isLockConflict, isRetryableConflict, isUniqueViolation } from './dialect.js';
import { SqliteConnectionGate } from './sqlite/connection-gate.js';

/** Attempts in all, the first included: enough for three Galera nodes writing one row at once. */
const ATTEMPTS = 4;
/** First backoff ceiling; it doubles per attempt and each wait is drawn at random below it. */
const BACKOFF_MS = 10;

/**
 * The one way to write several statements together, on either database. On MySQL each
 * transaction gets its own pooled connection; on SQLite it waits for the one shared connection
 * (see SqliteConnectionGate).
 *
 * A deadlock or lock-wait timeout (1213, 1205; on Galera a transaction that lost the
 * certification against another node's commit also reports 1213) leaves nothing behind: the
 * whole transaction is rolled back, so `work` is run again from the start, after a random
 * wait, up to ATTEMPTS times. That is safe because `work` touches only the database (and
 * in-process caches that a repeat only refreshes): whatever else it must do, a notice or a
 * file, happens after this returns. When every attempt lost, the client gets 409
 * CONCURRENT_UPDATE, never a 500. Never call it from inside `work`.
 */
export function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (dialectOf(dataSource) === 'mysql') return retryOnConflict(() => dataSource.transaction(work));
  return retryOnConflict(() => SqliteConnectionGate.of(dataSource).hold(() => dataSource.transaction(work)));
}

/** inTransaction on a query runner of its own (on SQLite, the gated shared one), released afterwards. */
export function queryRunnerTransaction<T>(
  dataSource: DataSource,
  work: (qr: QueryRunner) => Promise<T>,
  isolation?: IsolationLevel,
): Promise<T> {
  if (dialectOf(dataSource) === 'sqlite')
    return retryOnConflict(() =>
      SqliteConnectionGate.of(dataSource).hold(() => runnerTransaction(dataSource, work, isolation)),
    );
  return retryOnConflict(() => runnerTransaction(dataSource, work, isolation));
}

/**
 * Runs `attempt` (a whole transaction, or one statement that may run twice with the same
 * effect, such as an INSERT IGNORE) again while it loses a lock conflict, then answers 409.
 * A busy SQLite file is not retried here: the driver has already waited its busy timeout.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (isRetryableConflict(error) && tried < ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * BACKOFF_MS * 2 ** (tried - 1)));
        continue;
      }
      if (isLockConflict(error))
        throw new DomainError(ErrorCode.ConcurrentUpdate, 'A concurrent change won; reload and retry');
      throw error;
    }
  }
}

async function runnerTransaction<T>(
  dataSource: DataSource,
  work: (qr: QueryRunner) => Promise<T>,
  isolation?: IsolationLevel,
): Promise<T> {
  const qr = dataSource.createQueryRunner();
  try {
    await qr.startTransaction(isolation);
    const result = await work(qr);
    await qr.commitTransaction();
    return result;
  } catch (error) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw error;
  } finally {
    await qr.release();
  }
}

/**
 * Runs an INSERT ... SELECT over tables that others keep appending to. Under InnoDB's default
 * REPEATABLE READ such a statement share-locks every row it reads, up to the end of the
 * index, so a long one would hold up every concurrent insert into its source; READ COMMITTED
 * reads a snapshot without locks (binlog_format must then be ROW or MIXED, the defaults).
 * SQLite readers take no locks.
 */
export async function insertSelectWithoutLocks(dataSource: DataSource, sql: string, params: unknown[]): Promise<void> {
  if (dialectOf(dataSource) === 'sqlite') {
    await dataSource.query(sql, params);
    return;
  }
  await queryRunnerTransaction(dataSource, (qr) => qr.query(sql, params), 'READ COMMITTED');
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
