import type { DynamicModule, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../../src/app.module.js';
import type { EnvironmentInput } from '../../../src/config/environment.js';

/** The application as a bench drives it: no HTTP server, and Nest's own log at `levels` only. */
export type BenchApp = INestApplicationContext;

export function bootBenchApp(module: DynamicModule, levels: LogLevel[]): Promise<BenchApp> {
  return NestFactory.createApplicationContext(module, { logger: levels });
}

/** The application migrated on `env`'s database, with no scheduled job running and only errors logged: what most benches drive. */
export function bootMigratedApp(env: EnvironmentInput, extra: EnvironmentInput = {}): Promise<BenchApp> {
  return bootBenchApp(
    AppModule.forRoot({ ...env, LOG_LEVEL: 'error', MIGRATE_ON_START: 'true', JOBS_ENABLED: 'false', ...extra }),
    ['error'],
  );
}
