import { ErrorCode } from './error-code.js';

export interface FieldError {
  field: string;
  messages: string[];
}

/** A failure the client can act on; the exception filter turns it into HTTP. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(what: string, id: string | number): DomainError {
    return new DomainError(ErrorCode.NotFound, `${what} ${id} not found`, { resource: what, id });
  }

  static validation(errors: FieldError[], message = 'Validation failed'): DomainError {
    return new DomainError(ErrorCode.ValidationFailed, message, { errors });
  }
}
