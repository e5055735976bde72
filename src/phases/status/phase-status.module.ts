import { Module } from '@nestjs/common';
import { PhasesModule } from '../phases.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { RollbackModule } from '../rollback/rollback.module.js';
import { PhaseStatusRepository } from './phase-status.repository.js';
import { PhaseStatusService } from './phase-status.service.js';
import { PhasesController } from './phases.controller.js';

/**
 * Each phase's status as operators read it, its last rollback included: above both the phase
 * framework and the rollback, so that neither has to know the other's view of a phase.
 */
@Module({
  imports: [PhasesModule, RollbackModule, RetentionModule],
  controllers: [PhasesController],
  providers: [PhaseStatusRepository, PhaseStatusService],
  exports: [PhaseStatusService],
})
export class PhaseStatusModule {}
