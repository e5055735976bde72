import { Module } from '@nestjs/common';
import { PathTelemetryRepository } from './path-telemetry.repository.js';

/** Path telemetry shared by every replica: the per-minute buckets, their recording and their reads. */
@Module({
  providers: [PathTelemetryRepository],
  exports: [PathTelemetryRepository],
})
export class TelemetryModule {}
