import { Module } from '@nestjs/common';
import { PhasesModule } from '../phases.module.js';
import { RollbackModule } from '../rollback/rollback.module.js';
import { RollbackAdviceController } from './rollback-advice.controller.js';
import { RollbackAdviceService } from './rollback-advice.service.js';

/**
 * The rollback advice: above the phase framework (flags, telemetry), the rollback (its log) and
 * the rollout guard's thresholds, so that none of them has to know the decision tree.
 */
@Module({
  imports: [PhasesModule, RollbackModule],
  controllers: [RollbackAdviceController],
  providers: [RollbackAdviceService],
  exports: [RollbackAdviceService],
})
export class AdviceModule {}
