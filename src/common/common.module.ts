import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
import { HealthModule } from './health/health.module.js';
import { ReadOnlyGuard } from './http/read-only.guard.js';
import { AccessLogMiddleware } from './logging/access-log.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';

/** Cross-cutting HTTP concerns: auth, errors, request ids, access log, metrics, health. */
@Global()
@Module({
  imports: [AuthModule, HealthModule],
  controllers: [MetricsController],
  providers: [MetricsService, AccessLogMiddleware, { provide: APP_FILTER, useClass: AllExceptionsFilter }, { provide: APP_GUARD, useClass: ReadOnlyGuard }],
  exports: [MetricsService, AccessLogMiddleware, AuthModule],
})
export class CommonModule {}
