import { ErrorCode, httpStatusOf } from './error-code.js';

describe('httpStatusOf', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
    }
  });

  it.each([
    [ErrorCode.ValidationFailed, 400],
    [ErrorCode.Unauthenticated, 401],
    [ErrorCode.Forbidden, 403],
    [ErrorCode.NotFound, 404],
    [ErrorCode.ConcurrentUpdate, 409],
    [ErrorCode.NoRule, 422],
    [ErrorCode.ReadOnly, 503],
    [ErrorCode.DataUnavailable, 503],
    [ErrorCode.DatabaseUnavailable, 503],
    [ErrorCode.Internal, 500],
  ])('%s -> %d', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });
});
