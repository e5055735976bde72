import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { isMissingTable } from '../database/dialect.js';

/**
 * After a schema revert the Phase 7 routes stay mounted; a query on a missing table is then
 * answered 409 SCHEMA_NOT_APPLIED rather than 500, at no cost while the schema is in place.
 */
@Injectable()
export class AssignmentSchemaInterceptor implements NestInterceptor {
  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isMissingTable(error)) throw error;
        throw new DomainError(ErrorCode.SchemaNotApplied, `Phase 7's schema is not applied; run "phases enable --phase 7" first`, { phase: 7 });
      }),
    );
  }
}
