import type { DynamicModule, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** The application as a bench drives it: no HTTP server, and Nest's own log at `levels` only. */
export type BenchApp = INestApplicationContext;

export function bootBenchApp(module: DynamicModule, levels: LogLevel[]): Promise<BenchApp> {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- Nest types its options as a class but reads a plain object (its documentation passes literals); an instance would carry undefined fields
  return NestFactory.createApplicationContext(module, { logger: levels });
}
