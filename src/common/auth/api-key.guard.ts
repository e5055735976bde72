import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../errors/domain-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { ApiKeysService } from './api-keys.service.js';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import { Role, roleSatisfies } from './role.js';
import { routePattern } from '../http/route-of.js';

/**
 * Global guard: routes are closed unless they declare @Public() or @Roles(...). A route that
 * forgot its declaration is refused (and logged), never silently opened.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const req = context.switchToHttp().getRequest<Request>();
    if (!roles || roles.length === 0) {
      this.logger.error(`route ${req.method} ${routePattern(req) ?? req.path} declares no roles; refusing`);
      throw new DomainError(ErrorCode.Forbidden, 'This route is not open to any role');
    }
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError(ErrorCode.Unauthenticated, 'Send an API key as "Authorization: Bearer <key>"');
    const key = await this.apiKeys.authenticate(match[1]);
    if (!key) throw new DomainError(ErrorCode.Unauthenticated, 'Unknown or revoked API key');
    req.apiKey = key;
    if (!roleSatisfies(key.role, roles)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        `Requires role ${roles.join(' or ')}; key "${key.name}" has role ${key.role}`,
      );
    }
    return true;
  }
}
