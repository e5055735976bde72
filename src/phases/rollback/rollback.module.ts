import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupService } from '../backup/backup.service.js';
import { RestoreService } from '../backup/restore.service.js';
import { SchemaBackup } from '../backup/schema-backup.entity.js';
import { RollbackHistory } from '../phase-status.service.js';
import { PhasesModule } from '../phases.module.js';
import { RollForwardService } from './roll-forward.service.js';
import { RollbackLogEntry } from './rollback-log.entity.js';
import { RollbackLog } from './rollback-log.service.js';
import { RollbackNotifier } from './rollback-notifier.js';
import { RollbackPlanRepository } from './rollback-plan.repository.js';
import { RollbackPlanner } from './rollback-planner.service.js';
import { RollbackSteps } from './rollback-steps.service.js';
import { RollbackController } from './rollback.controller.js';
import { RollbackService } from './rollback.service.js';

/**
 * Rollback, backup/restore and roll forward, above the phase framework. Global so that the
 * phase status API (in PhasesModule, below this one) can show each phase's last rollback
 * through RollbackHistory without an import cycle.
 */
@Global()
@Module({
  imports: [PhasesModule, TypeOrmModule.forFeature([RollbackLogEntry, SchemaBackup])],
  controllers: [RollbackController],
  providers: [
    RollbackLog,
    { provide: RollbackHistory, useExisting: RollbackLog },
    RollbackNotifier,
    RollbackPlanRepository,
    RollbackPlanner,
    RollbackSteps,
    RollbackService,
    BackupService,
    RestoreService,
    RollForwardService,
  ],
  exports: [RollbackHistory, RollbackLog, RollbackService, BackupService, RestoreService, RollForwardService],
})
export class RollbackModule {}
