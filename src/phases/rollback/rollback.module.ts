import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupModule } from '../backup/backup.module.js';
import { PhasesModule } from '../phases.module.js';
import { RollbackDrillController } from './drill/rollback-drill.controller.js';
import { RollbackDrill } from './drill/rollback-drill.entity.js';
import { RollbackDrillRepository } from './drill/rollback-drill.repository.js';
import { RollbackDrillService } from './drill/rollback-drill.service.js';
import { RollForwardController } from './roll-forward.controller.js';
import { RollForwardService } from './roll-forward.service.js';
import { RollbackLogEntry } from './rollback-log.entity.js';
import { RollbackLogRepository } from './rollback-log.repository.js';
import { RollbackLog } from './rollback-log.service.js';
import { RollbackNotifier } from './rollback-notifier.js';
import { RollbackPlanRepository } from './rollback-plan.repository.js';
import { RollbackPlanner } from './rollback-planner.service.js';
import { RollbackSteps } from './rollback-steps.service.js';
import { RollbackController } from './rollback.controller.js';
import { RollbackService } from './rollback.service.js';

/** Rollback, backup/restore and roll forward, above the phase framework. */
@Module({
  imports: [PhasesModule, BackupModule, TypeOrmModule.forFeature([RollbackLogEntry, RollbackDrill])],
  // the drills' routes first: admin/rollbacks/drills would otherwise be taken for admin/rollbacks/:id
  controllers: [RollbackDrillController, RollbackController, RollForwardController],
  providers: [
    RollbackLogRepository,
    RollbackLog,
    RollbackNotifier,
    RollbackPlanRepository,
    RollbackPlanner,
    RollbackSteps,
    RollbackService,
    RollForwardService,
    RollbackDrillRepository,
    RollbackDrillService,
  ],
  exports: [RollbackLog, RollbackService, RollbackNotifier, BackupModule, RollForwardService, RollbackDrillService],
})
export class RollbackModule {}
