import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { AppMode, Environment } from '../../config/environment.js';
import { DomainError } from '../errors/domain-error.js';
import { ErrorCode } from '../errors/error-code.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** APP_MODE=readonly, the emergency stop: every write answers 503, reads go on. */
@Injectable()
export class ReadOnlyGuard implements CanActivate {
  private readonly readOnly: boolean;

  constructor(config: ConfigService<Environment, true>) {
    this.readOnly = config.get('APP_MODE', { infer: true }) === AppMode.ReadOnly;
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (this.readOnly && !READ_METHODS.has(req.method)) {
      throw new DomainError(ErrorCode.ReadOnly, 'Phasegate is in read-only mode (APP_MODE=readonly): writes are refused');
    }
    return true;
  }
}
