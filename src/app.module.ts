import { DynamicModule, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { CORE_MIGRATIONS } from '../migrations/index.js';
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
import { phaseMigrations, type MigrationClass } from './phases/phase-definition.js';
import { PhasesModule } from './phases/phases.module.js';
import { ProductionModule } from './production/production.module.js';
import { ScratchAppModule } from './phases/rollback/drill/scratch-app.js';
import { RollbackModule } from './phases/rollback/rollback.module.js';
import { PhaseStatusModule } from './phases/status/phase-status.module.js';
import { RetentionModule } from './phases/retention/retention.module.js';
import { AdviceModule } from './phases/advice/advice.module.js';
import { RolloutModule } from './phases/rollout/rollout.module.js';

/**
 * The integration phases, one line each: a phase module provides its @Phase() definition,
 * which declares its flags, jobs, tables and migrations. Nothing else lists them.
 */
const PHASE_MODULES: readonly Type[] = [AssignmentModule, OemModule, PeopleModule, DashboardModule];

/** Test seam: extra modules (e.g. test-only phases, which bring their migrations along). */
export interface AppExtras {
  modules?: Type[];
}

/** Every migration the app runs: the core's and those of each phase module in `extras` too. */
export function appMigrations(extras: AppExtras = {}): MigrationClass[] {
  return [...CORE_MIGRATIONS, ...phaseMigrations([...PHASE_MODULES, ...(extras.modules ?? [])])];
}

@Module({})
export class AppModule {
  /** `overrides` replace environment variables; tests and benchmarks use it. */
  static forRoot(overrides: EnvironmentInput = {}, extras: AppExtras = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModule(overrides),
        DatabaseModule.forRoot(appMigrations(extras)),
        ScheduleModule.forRoot(),
        CommonModule,
        ProductionModule,
        PhasesModule,
        RollbackModule,
        PhaseStatusModule,
        RetentionModule,
        AdviceModule,
        RolloutModule,
        OfrepModule,
        ConsoleModule,
        ...PHASE_MODULES,
        ...(extras.modules ?? []),
        // the rollback drill starts this same application on its scratch copy
        ScratchAppModule.forRoot((env) =>
          NestFactory.createApplicationContext(AppModule.forRoot(env, extras), { abortOnError: false }),
        ),
      ],
    };
  }
}
