import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable, isLockConflict } from '../../database/dialect.js';
import { DomainError } from './domain-error.js';
import { ErrorCode, httpStatusOf } from './error-code.js';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId: string;
  [detail: string]: unknown;
}

/** HttpExceptions thrown by Nest itself (unknown route, body parser) keep their status. */
const codeByHttpStatus: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  422: ErrorCode.Unprocessable,
  503: ErrorCode.Unavailable,
};

/**
 * The one place errors become HTTP. Domain errors map through their code; anything unknown
 * is logged with its stack and answered 500 with only a request id, never the stack.
 * Database errors a client can act on are not unknown: a lock conflict that escaped the
 * transaction helper (a lone statement) is a 409, and a database that is down, unreachable or
 * a Galera node not yet synced is a 503 DATABASE_UNAVAILABLE, whichever statement met it.
 * A read (GET, HEAD) changes nothing, so no concurrent change can have beaten it: its lock
 * conflict is the database failing to serve it, which on Galera is a causal read
 * (`wsrep_sync_wait`) that could not complete while the cluster reconfigured, and MariaDB
 * reports that as a lock wait timeout (1205). It is answered 503 like any other outage.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = req.id ?? '';
    const { status, body } = this.describe(exception, requestId, isRead(req.method));
    if (status >= 500 && !(exception instanceof DomainError)) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      // an outage is expected of a database: it is logged, but it is no defect with a stack to read
      if (body.code === ErrorCode.DatabaseUnavailable)
        this.logger.warn({ msg: 'database unavailable', requestId, route: req.originalUrl, error: err.message });
      else
        this.logger.error({ msg: 'unhandled error', requestId, route: req.originalUrl, error: err.message }, err.stack);
    }
    if (res.headersSent) return;
    res.status(status).json(body);
  }

  private describe(exception: unknown, requestId: string, read: boolean): { status: number; body: ErrorBody } {
    if (exception instanceof DomainError) {
      return {
        status: httpStatusOf(exception.code),
        body: { code: exception.code, message: exception.message, requestId, ...exception.details },
      };
    }
    const database = databaseError(exception, read);
    if (database)
      return {
        status: httpStatusOf(database.code),
        body: { code: database.code, message: database.message, requestId },
      };
    const status = httpStatusFromFramework(exception);
    if (status !== undefined && status !== 500) {
      const code = codeByHttpStatus[status] ?? (status < 500 ? ErrorCode.Unprocessable : ErrorCode.Unavailable);
      const body: ErrorBody = { code, message: frameworkMessage(exception, status), requestId };
      // terminus answers a failed readiness check with a 503 whose body says what is down
      if (status === 503 && exception instanceof HttpException) body.details = exception.getResponse();
      return { status, body };
    }
    return { status: 500, body: { code: ErrorCode.Internal, message: 'Internal server error', requestId } };
  }
}

const DATABASE_UNAVAILABLE = {
  code: ErrorCode.DatabaseUnavailable,
  message: 'The database is unavailable; retry in a moment',
};

function databaseError(exception: unknown, read: boolean): { code: ErrorCode; message: string } | undefined {
  if (isDatabaseUnavailable(exception)) return DATABASE_UNAVAILABLE;
  if (isLockConflict(exception))
    return read
      ? DATABASE_UNAVAILABLE
      : { code: ErrorCode.ConcurrentUpdate, message: 'A concurrent change won; reload and retry' };
  return undefined;
}

const isRead = (method: string | undefined): boolean => method === 'GET' || method === 'HEAD';

function httpStatusFromFramework(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  // body-parser errors (malformed JSON, body too large) carry their own 4xx status
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { status, expose } = exception as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && expose === true ? status : undefined;
}

function frameworkMessage(exception: unknown, status: number): string {
  // Nest's express adapter wraps body-parser errors in an HttpException whose message is the
  // parser's own (JSON.parse internals); the original error, with its type, is the cause
  const parserError = exception instanceof HttpException && exception.cause !== undefined ? exception.cause : exception;
  const type =
    typeof parserError === 'object' && parserError !== null ? (parserError as { type?: unknown }).type : undefined;
  if (type === 'entity.parse.failed') return 'Request body is not valid JSON';
  if (type === 'entity.too.large') return 'Request body is too large';
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return status === 404 ? 'Not found' : 'Request rejected';
}
