import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppMode, Environment } from '../../config/environment.js';
import { DomainError } from '../errors/domain-error.js';
import { ErrorCode } from '../errors/error-code.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALLOWED_KEY = 'phasegate:allowed-in-read-only';

/**
 * Lets a write through in read-only mode when `allows(request)` holds. Only for actions that
 * switch things off (the emergency rollback): an emergency stop must not block the other.
 */
export const AllowInReadOnly = (allows: (req: Request) => boolean) => SetMetadata(ALLOWED_KEY, allows);

/** APP_MODE=readonly, the emergency stop: every write answers 503, reads go on. */
@Injectable()
export class ReadOnlyGuard implements CanActivate {
  private readonly readOnly: boolean;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly reflector: Reflector,
  ) {
    this.readOnly = config.get('APP_MODE', { infer: true }) === AppMode.ReadOnly;
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const allows = this.reflector.get<((req: Request) => boolean) | undefined>(ALLOWED_KEY, context.getHandler());
    if (this.readOnly && !READ_METHODS.has(req.method) && !allows?.(req)) {
      throw new DomainError(
        ErrorCode.ReadOnly,
        'Phasegate is in read-only mode (APP_MODE=readonly): writes are refused',
      );
    }
    return true;
  }
}
