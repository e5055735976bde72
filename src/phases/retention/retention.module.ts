import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PhasesModule } from '../phases.module.js';
import { RetentionHorizon } from './retention-horizon.entity.js';
import { RetentionHorizonRepository } from './retention-horizon.repository.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';

/** The retention of growing tables: the policies their owners declare, the archive-and-purge job, its figures. */
@Module({
  imports: [PhasesModule, TypeOrmModule.forFeature([RetentionHorizon])],
  providers: [RetentionRepository, RetentionHorizonRepository, RetentionService],
  // the horizon: what is derived from a purged table keeps its figures for the periods before it
  exports: [RetentionService, RetentionHorizonRepository],
})
export class RetentionModule {}
