import type { ArgumentsHost } from '@nestjs/common';
import { AllExceptionsFilter } from './all-exceptions.filter.js';

/** What the filter answers for `exception`, through a minimal HTTP host. */
function answer(exception: unknown, method = 'POST'): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: {} as Record<string, unknown> };
  const res = {
    headersSent: false,
    status: (s: number) => ((sent.status = s), res),
    json: (b: Record<string, unknown>) => (sent.body = b),
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ id: 'req-1', method, originalUrl: '/x' }), getResponse: () => res }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return sent;
}

/** mysql2's errors as TypeORM passes them on: the driver's code and errno, on the error or its driverError. */
const mysqlError = (code: string, errno: number, wrapped = true) => {
  const driverError = Object.assign(new Error(code), { code, errno });
  return wrapped ? Object.assign(new Error('query failed'), { driverError }) : driverError;
};

describe('AllExceptionsFilter and database errors', () => {
  it.each([
    ['a refused connection', mysqlError('ECONNREFUSED', -111, false)],
    ['a connection lost mid-query', mysqlError('PROTOCOL_CONNECTION_LOST', 0)],
    ['a Galera node not yet synced (1047)', mysqlError('ER_UNKNOWN_COM_ERROR', 1047)],
  ])('%s is 503 DATABASE_UNAVAILABLE, with no detail of the driver', (_, error) => {
    expect(answer(error)).toEqual({
      status: 503,
      body: {
        code: 'DATABASE_UNAVAILABLE',
        message: 'The database is unavailable; retry in a moment',
        requestId: 'req-1',
      },
    });
  });

  it('a deadlock outside the transaction helper is 409 CONCURRENT_UPDATE', () => {
    expect(answer(mysqlError('ER_LOCK_DEADLOCK', 1213))).toMatchObject({
      status: 409,
      body: { code: 'CONCURRENT_UPDATE' },
    });
  });

  it.each([
    [
      'a lock wait timeout (1205: how MariaDB reports a causal read that failed while the Galera cluster reconfigured)',
      mysqlError('ER_LOCK_WAIT_TIMEOUT', 1205),
    ],
    ['a deadlock (1213)', mysqlError('ER_LOCK_DEADLOCK', 1213)],
  ])(
    '%s met by a read (GET) is 503 DATABASE_UNAVAILABLE: no concurrent change beat a request that changes nothing',
    (_, error) => {
      expect(answer(error, 'GET')).toEqual({
        status: 503,
        body: {
          code: 'DATABASE_UNAVAILABLE',
          message: 'The database is unavailable; retry in a moment',
          requestId: 'req-1',
        },
      });
      expect(answer(error, 'HEAD')).toMatchObject({ status: 503 });
      expect(answer(error, 'PUT')).toMatchObject({ status: 409, body: { code: 'CONCURRENT_UPDATE' } });
    },
  );

  it('any other driver error stays a 500 INTERNAL', () => {
    expect(answer(mysqlError('ER_PARSE_ERROR', 1064))).toMatchObject({ status: 500, body: { code: 'INTERNAL' } });
  });
});
