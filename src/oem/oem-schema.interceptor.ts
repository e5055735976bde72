import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { isMissingTable } from '../database/dialect.js';
import { OEM_PHASE } from './oem-flags.js';

/** The 409 every OEM route may answer, for its OpenAPI description. */
export const SCHEMA_CONFLICT = `SCHEMA_NOT_APPLIED: Phase ${OEM_PHASE} is rolled back with its schema`;

/**
 * After a schema revert the OEM routes stay mounted; their queries then fail on a missing
 * table, answered 409 SCHEMA_NOT_APPLIED instead of 500. Nothing is checked up front, so a
 * request with the schema in place costs no extra query.
 */
@Injectable()
export class OemSchemaInterceptor implements NestInterceptor {
  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isMissingTable(error)) throw error;
        throw new DomainError(ErrorCode.SchemaNotApplied, `Phase ${OEM_PHASE}'s schema is not applied; run "phases enable --phase ${OEM_PHASE}" first`, { phase: OEM_PHASE });
      }),
    );
  }
}
