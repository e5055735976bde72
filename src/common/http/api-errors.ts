import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto.js';

/** Documents the error answers a route can give, all with the common ErrorResponse body. */
export function ApiErrors(errors: { badRequest?: string; notFound?: string; conflict?: string }) {
  return applyDecorators(
    ApiBadRequestResponse({
      description: errors.badRequest ?? 'Invalid input: per-field messages in `errors`',
      type: ErrorResponseDto,
    }),
    ...(errors.notFound ? [ApiNotFoundResponse({ description: errors.notFound, type: ErrorResponseDto })] : []),
    ...(errors.conflict ? [ApiConflictResponse({ description: errors.conflict, type: ErrorResponseDto })] : []),
  );
}
