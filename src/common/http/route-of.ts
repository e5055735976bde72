import type { Request } from 'express';

/** The matched route's path pattern (`/jobs/:id`), or undefined before routing or when none matched; Express types `req.route` as any. */
export function routePattern(req: Request): string | undefined {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? route.path : undefined;
}
