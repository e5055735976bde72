/**
 * Every error a client can see. The HTTP status of each code is decided in one place
 * (httpStatusOf), with an exhaustive switch so a new code cannot ship without one.
 */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  ConcurrentUpdate = 'CONCURRENT_UPDATE',
  GraphInUse = 'GRAPH_IN_USE',
  AlreadySpawned = 'ALREADY_SPAWNED',
  InvalidState = 'INVALID_STATE',
  WrongStation = 'WRONG_STATION',
  NoSuchEdge = 'NO_SUCH_EDGE',
  OutcomeRequired = 'OUTCOME_REQUIRED',
  SchemaNotApplied = 'SCHEMA_NOT_APPLIED',
  FeatureDisabled = 'FEATURE_DISABLED',
  RollbackInProgress = 'ROLLBACK_IN_PROGRESS',
  /** The phase already has a live rollout plan (active, paused or awaiting approval). */
  RolloutActive = 'ROLLOUT_ACTIVE',
  UnsafeRequest = 'UNSAFE_REQUEST',
  StepOutOfOrder = 'STEP_OUT_OF_ORDER',
  Overlap = 'OVERLAP',
  NoRule = 'NO_RULE',
  Unprocessable = 'UNPROCESSABLE',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  /** The request asks for more work than one request may do (a setting names the bound). */
  WorkLimitExceeded = 'WORK_LIMIT_EXCEEDED',
  ReadOnly = 'READ_ONLY',
  DataUnavailable = 'DATA_UNAVAILABLE',
  Unavailable = 'UNAVAILABLE',
  /** The database, or this replica's Galera node, is down, unreachable or not synced: retry, or use another replica. */
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  Internal = 'INTERNAL',
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
      return 400;
    case ErrorCode.Unauthenticated:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.Conflict:
    case ErrorCode.ConcurrentUpdate:
    case ErrorCode.GraphInUse:
    case ErrorCode.AlreadySpawned:
    case ErrorCode.InvalidState:
    case ErrorCode.WrongStation:
    case ErrorCode.NoSuchEdge:
    case ErrorCode.OutcomeRequired:
    case ErrorCode.SchemaNotApplied:
    case ErrorCode.FeatureDisabled:
    case ErrorCode.RollbackInProgress:
    case ErrorCode.RolloutActive:
    case ErrorCode.UnsafeRequest:
    case ErrorCode.StepOutOfOrder:
    case ErrorCode.Overlap:
      return 409;
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.WorkLimitExceeded:
      return 413;
    case ErrorCode.NoRule:
    case ErrorCode.Unprocessable:
      return 422;
    case ErrorCode.Internal:
      return 500;
    case ErrorCode.ReadOnly:
    case ErrorCode.DataUnavailable:
    case ErrorCode.Unavailable:
    case ErrorCode.DatabaseUnavailable:
      return 503;
    default: {
      const unhandled: never = code;
      throw new Error(`No HTTP status for error code ${String(unhandled)}`);
    }
  }
}
