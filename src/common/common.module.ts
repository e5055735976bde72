import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
import { ExtensionRegistry } from './extension/extension-point.js';
import { HealthModule } from './health/health.module.js';
import { ReadOnlyGuard } from './http/read-only.guard.js';
import { AccessLogMiddleware } from './logging/access-log.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { SqliteGateMonitor } from './metrics/sqlite-gate-monitor.js';

/** Cross-cutting concerns: auth, errors, request ids, access log, metrics, health, extension points. */
@Global()
@Module({
  imports: [AuthModule, HealthModule, DiscoveryModule],
  controllers: [MetricsController],
  providers: [
    MetricsService,
    SqliteGateMonitor,
    AccessLogMiddleware,
    ExtensionRegistry,
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_GUARD, useClass: ReadOnlyGuard },
  ],
  exports: [MetricsService, AccessLogMiddleware, AuthModule, ExtensionRegistry],
})
export class CommonModule {}
