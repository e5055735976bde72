import { Module } from '@nestjs/common';
import { PathTelemetryRepository } from './path-telemetry.repository.js';
import { PhaseTelemetry } from './phase-telemetry.service.js';

/** Path telemetry shared by every replica: the per-minute buckets, their recording and their reads. */
@Module({
  providers: [PathTelemetryRepository, PhaseTelemetry],
  exports: [PathTelemetryRepository, PhaseTelemetry],
})
export class TelemetryModule {}
