import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PhasesModule } from '../phases.module.js';
import { RollbackModule } from '../rollback/rollback.module.js';
import { RolloutEventRow } from './rollout-event.entity.js';
import { RolloutEvidence } from './rollout-evidence.js';
import { RolloutGuard } from './rollout-guard.service.js';
import { RolloutPlanRow } from './rollout-plan.entity.js';
import { RolloutPlanRepository } from './rollout-plan.repository.js';
import { RolloutController } from './rollout.controller.js';
import { RolloutService } from './rollout.service.js';

/** Rollout plans, their guard job and their API: a phase switched on stage by stage under guardrails. */
@Module({
  imports: [PhasesModule, RollbackModule, TypeOrmModule.forFeature([RolloutPlanRow, RolloutEventRow])],
  controllers: [RolloutController],
  providers: [RolloutPlanRepository, RolloutEvidence, RolloutService, RolloutGuard],
  exports: [RolloutService, RolloutGuard],
})
export class RolloutModule {}
