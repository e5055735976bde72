import {
  applyDecorators,
  Injectable,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, type Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { isMissingTable } from '../database/dialect.js';

const PHASE_SCHEMA = 'phasegate:phase-schema';

/** The 409 such a route may answer, for its OpenAPI description. */
export function schemaNotAppliedConflict(phase: number): string {
  return `SCHEMA_NOT_APPLIED: Phase ${phase} is rolled back with its schema`;
}

/**
 * Marks a controller (or handler) whose routes read the tables of `phase`. Its routes stay
 * mounted after that phase's schema is reverted, and a query on a missing table is then
 * answered 409 SCHEMA_NOT_APPLIED instead of 500. Nothing is checked up front, so a request
 * with the schema in place costs no extra query.
 */
export const PhaseSchemaRoutes = (phase: number) =>
  applyDecorators(SetMetadata(PHASE_SCHEMA, phase), UseInterceptors(PhaseSchemaInterceptor));

@Injectable()
export class PhaseSchemaInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const phase = this.reflector.getAllAndOverride<number>(PHASE_SCHEMA, [context.getHandler(), context.getClass()]);
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isMissingTable(error)) throw error;
        throw new DomainError(
          ErrorCode.SchemaNotApplied,
          `Phase ${phase}'s schema is not applied; run "phases enable --phase ${phase}" first`,
          { phase },
        );
      }),
    );
  }
}
