import type { DynamicModule, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** The application as a bench drives it: no HTTP server, and Nest's own log at `levels` only. */
export type BenchApp = INestApplicationContext;

export function bootBenchApp(module: DynamicModule, levels: LogLevel[]): Promise<BenchApp> {
  return NestFactory.createApplicationContext(module, { logger: levels });
}
