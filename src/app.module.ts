import { DynamicModule, Module, Type } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import { ScheduleModule } from '@nestjs/schedule';
import { AssignmentModule } from './assignment/assignment.module.js';
import { CommonModule } from './common/common.module.js';
import { configModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import type { EnvironmentInput } from './config/environment.js';
import { DatabaseModule } from './database/database.module.js';
import { OfrepModule } from './ofrep/ofrep.module.js';
import { OemModule } from './oem/oem.module.js';
import { PeopleModule } from './people/people.module.js';
import { PhasesModule } from './phases/phases.module.js';
import { ProductionModule } from './production/production.module.js';
import { RollbackModule } from './phases/rollback/rollback.module.js';

/** Test seam: extra modules (e.g. test-only phases) and their migrations. */
export interface AppExtras {
  modules?: Array<Type | DynamicModule>;
  migrations?: Array<new () => MigrationInterface>;
}

@Module({})
export class AppModule {
  /** `overrides` replace environment variables; tests and benchmarks use it. */
  static forRoot(overrides: EnvironmentInput = {}, extras: AppExtras = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModule(overrides),
        DatabaseModule.forRoot(extras.migrations),
        ScheduleModule.forRoot(),
        CommonModule,
        ProductionModule,
        PhasesModule,
        RollbackModule,
        OfrepModule,
        AssignmentModule,
        OemModule,
        PeopleModule,
        ConsoleModule,
        DashboardModule,
        ...(extras.modules ?? []),
      ],
    };
  }
}
