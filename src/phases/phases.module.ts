import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PhaseFallback } from './fallback/phase-fallback.service.js';
import { FeatureFlagAudit } from './flags/feature-flag-audit.entity.js';
import { FeatureFlag } from './flags/feature-flag.entity.js';
import { FeatureFlagRules } from './flags/feature-flag-rules.entity.js';
import { FeatureFlagRulesAudit } from './flags/feature-flag-rules-audit.entity.js';
import { FlagRulesRepository } from './flags/flag-rules.repository.js';
import { FlagsController } from './flags/flags.controller.js';
import { FlagsRepository } from './flags/flags.repository.js';
import { FlagsService } from './flags/flags.service.js';
import { JobControl } from './jobs/job-control.entity.js';
import { JobRun } from './jobs/job-run.entity.js';
import { JobScheduler } from './jobs/job-scheduler.service.js';
import { JobsRepository } from './jobs/jobs.repository.js';
import { JobsService } from './jobs/jobs.service.js';
import { PhaseRegistry } from './phase-registry.service.js';
import { TelemetryReadService } from './telemetry/telemetry-read.service.js';
import { TelemetryController } from './telemetry/telemetry.controller.js';
import { TelemetryModule } from './telemetry/telemetry.module.js';

/** The phase framework's runtime: registry, flags, fallback helper, single-runner jobs, status. */
@Module({
  imports: [
    DiscoveryModule,
    TelemetryModule,
    TypeOrmModule.forFeature([
      FeatureFlag,
      FeatureFlagAudit,
      FeatureFlagRules,
      FeatureFlagRulesAudit,
      JobRun,
      JobControl,
    ]),
  ],
  // the telemetry's reads name phases, which this module's registry knows
  controllers: [FlagsController, TelemetryController],
  providers: [
    PhaseRegistry,
    FlagsRepository,
    FlagRulesRepository,
    FlagsService,
    PhaseFallback,
    JobsRepository,
    JobsService,
    JobScheduler,
    TelemetryReadService,
  ],
  exports: [PhaseRegistry, FlagsService, PhaseFallback, JobsService, TelemetryModule],
})
export class PhasesModule {}
