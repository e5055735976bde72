import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppExtras, AppModule } from './app.module.js';
import { validationPipe } from './common/errors/validation.js';
import { limitJsonDepth } from './common/http/json-depth.js';
import { requestId } from './common/http/request-id.js';
import { AccessLogMiddleware } from './common/logging/access-log.js';
import { createAppLogger } from './common/logging/app-logger.js';
import { setupApiDocs } from './common/http/api-docs.js';
import { PhasegateExpressAdapter } from './common/http/express-adapter.js';
import { securityHeaders } from './common/http/security-headers.js';
import { readEnvironment, type EnvironmentInput } from './config/environment.js';

export const API_PREFIX = 'api/v1';

/**
 * Builds the HTTP application exactly as production runs it; main.ts, the end-to-end tests
 * and the benchmarks all start here.
 */
export async function createApp(
  overrides: EnvironmentInput = {},
  extras: AppExtras = {},
): Promise<NestExpressApplication> {
  const env = readEnvironment(overrides);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(overrides, extras),
    new PhasegateExpressAdapter(),
    {
      logger: createAppLogger(env),
      bodyParser: false,
      abortOnError: false,
    },
  );
  // request id and access log come first so that requests the body parser refuses are
  // identified and logged too
  const accessLog = app.get(AccessLogMiddleware);
  app.use(requestId, accessLog.use.bind(accessLog), securityHeaders());
  app.useBodyParser('json', { limit: env.BODY_LIMIT });
  app.use(limitJsonDepth);
  // OFREP clients expect its standard paths at the root
  app.setGlobalPrefix(API_PREFIX, {
    exclude: ['health/live', 'health/ready', 'metrics', 'ofrep/v1/evaluate/flags', 'ofrep/v1/evaluate/flags/:key'],
  });
  app.useGlobalPipes(validationPipe());
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  setupApiDocs(app);
  return app;
}
