import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's standard headers on every response (the API, /docs, /metrics), as NestJS's
 * security guide sets them, with framing refused outright: no page of Phasegate, Swagger UI
 * included, has a reason to sit in a frame. helmet's default CSP fits Swagger UI (its own
 * scripts, one inline style); the console replaces the CSP with its stricter one.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    // Phasegate often runs on plain HTTP inside a factory network, where upgrading Swagger UI's
    // own requests to https would break it
    contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
    frameguard: { action: 'deny' },
  });
}
