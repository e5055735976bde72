import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto.js';
import { Role } from './role.js';

export const ROLES_KEY = 'phasegate:roles';
export const PUBLIC_KEY = 'phasegate:public';

/** The roles a route admits (higher roles inherit). A route with no declaration is refused. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, unknown or revoked API key', type: ErrorResponseDto }),
    ApiForbiddenResponse({ description: `Requires role: ${roles.join(' or ')}`, type: ErrorResponseDto }),
  );

/** Anonymous access: only health, metrics and the API docs. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
