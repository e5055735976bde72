import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { retryOnConflict } from './transaction.js';

/** What mysql2 reports, as TypeORM wraps it (QueryFailedError keeps the driver's error). */
const driverError = (code: string, errno: number) => Object.assign(new Error(code), { driverError: { code, errno } });

describe('retryOnConflict', () => {
  it.each([
    ['ER_LOCK_DEADLOCK', 1213],
    ['ER_LOCK_WAIT_TIMEOUT', 1205],
    ['SQLITE_BUSY_SNAPSHOT', 517],
  ])('runs the attempt again after %s (%d) and returns its result', async (code, errno) => {
    let calls = 0;
    const result = await retryOnConflict(async () => {
      calls++;
      if (calls < 3) throw driverError(code, errno);
      return 'done';
    });
    expect({ result, calls }).toEqual({ result: 'done', calls: 3 });
  });

  it('answers 409 CONCURRENT_UPDATE once every attempt lost, after a bounded number of them', async () => {
    let calls = 0;
    const error = await retryOnConflict(async () => {
      calls++;
      throw driverError('ER_LOCK_DEADLOCK', 1213);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.ConcurrentUpdate);
    expect(calls).toBe(4);
  });

  it('does not run again what failed for another reason, and a busy SQLite file only once', async () => {
    for (const [error, expected] of [
      [driverError('ER_DUP_ENTRY', 1062), 'ER_DUP_ENTRY'],
      [driverError('PROTOCOL_CONNECTION_LOST', 0), 'PROTOCOL_CONNECTION_LOST'],
      [driverError('SQLITE_BUSY', 5), ErrorCode.ConcurrentUpdate],
    ] as const) {
      let calls = 0;
      const thrown = await retryOnConflict(async () => {
        calls++;
        throw error;
      }).catch((e: unknown) => e);
      expect({ calls, code: thrown instanceof DomainError ? thrown.code : (thrown as Error).message }).toEqual({
        calls: 1,
        code: expected,
      });
    }
  });
});
