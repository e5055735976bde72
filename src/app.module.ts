import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CommonModule } from './common/common.module.js';
import { configModule } from './config/config.module.js';
import type { EnvironmentInput } from './config/environment.js';
import { DatabaseModule } from './database/database.module.js';

@Module({})
export class AppModule {
  /** `overrides` replace environment variables; tests and benchmarks use it. */
  static forRoot(overrides: EnvironmentInput = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [configModule(overrides), DatabaseModule.forRoot(), ScheduleModule.forRoot(), CommonModule],
    };
  }
}
