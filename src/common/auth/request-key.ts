import type { Request } from 'express';
import { present } from '../present.js';
import type { AuthenticatedKey } from '../http/request-context.js';

/** The key ApiKeyGuard authenticated: always there on a @Roles route, which the guard refuses without one. */
export function requestKey(req: Request): AuthenticatedKey {
  return present(req.apiKey, 'the authenticated API key');
}
