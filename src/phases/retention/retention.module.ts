import { Module } from '@nestjs/common';
import { PhasesModule } from '../phases.module.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';

/** The retention of growing tables: the policies their owners declare, the archive-and-purge job, its figures. */
@Module({
  imports: [PhasesModule],
  providers: [RetentionRepository, RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
