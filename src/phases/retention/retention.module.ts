import { Module } from '@nestjs/common';
import { PhasesModule } from '../phases.module.js';
import { RetentionHorizonRepository } from './retention-horizon.repository.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';

/** The retention of growing tables: the policies their owners declare, the archive-and-purge job, its figures. */
@Module({
  imports: [PhasesModule],
  providers: [RetentionRepository, RetentionHorizonRepository, RetentionService],
  // the horizon: what is derived from a purged table keeps its figures for the periods before it
  exports: [RetentionService, RetentionHorizonRepository],
})
export class RetentionModule {}
