import { Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from '../metrics/metrics.service.js';
import '../http/request-context.js';
import { routePattern } from '../http/route-of.js';

/**
 * One line per request (method, route, status, duration, request id, key name) and the
 * request-duration histogram. The route is the matched pattern, never the raw URL, so no
 * identifier or query string ends up as a label or in the log.
 */
@Injectable()
export class AccessLogMiddleware {
  private readonly logger = new Logger('Access');

  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const pattern = routePattern(req);
      const route = pattern ? `${req.baseUrl}${pattern}` : 'unmatched';
      this.metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      this.logger.log({
        msg: 'request',
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e4) / 10,
        requestId: req.id,
        key: req.apiKey?.name,
      });
    });
    next();
  }
}
