import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PhasesModule } from '../phases/phases.module.js';
import { ProductionModule } from '../production/production.module.js';
import { AssignmentComparisonService } from './assignment-comparison.service.js';
import { AssignmentDemoSeedService } from './assignment-demo-seed.service.js';
import { AssignmentLogRepository } from './assignment-log.repository.js';
import { AssignmentLogService } from './assignment-log.service.js';
import { AssignmentPreviewService } from './assignment-preview.service.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import { AssignmentSetupController } from './assignment-setup.controller.js';
import { AssignmentController } from './assignment.controller.js';
import { AssignmentPhase } from './assignment.phase.js';
import { AutomaticAssignerService } from './automatic-assigner.service.js';
import { AvailabilityRepository } from './availability.repository.js';
import { AvailabilityService } from './availability.service.js';
import { DirectoryRegistry } from './directory-registry.js';
import { AssignmentLog } from './entities/assignment-log.entity.js';
import { OperatorAvailability, TeamAvailability } from './entities/availability.entity.js';
import { LeaveRequest } from './entities/leave-request.entity.js';
import { LeaveRepository } from './leave.repository.js';
import { LeaveService } from './leave.service.js';
import { LocalDirectoryRepository } from './local-directory.repository.js';
import { LocalOperatorDirectory } from './local-operator-directory.js';
import { PlanPrioritiesService } from './plan-priorities.service.js';
import { PlanRepository } from './plan.repository.js';
import { ProductionRefsRepository } from './production-refs.repository.js';
import { WorkloadRepository } from './workload.repository.js';

/**
 * Phase 7: automatic assignment on spawn and route (through the core's AssignmentHook), its
 * audit log, preview and comparison, plans with priorities, availability and leave.
 * Phase 9 plugs its People-backed directory in at OPERATOR_DIRECTORY.
 */
@Module({
  imports: [
    PhasesModule,
    ProductionModule,
    TypeOrmModule.forFeature([AssignmentLog, LeaveRequest, OperatorAvailability, TeamAvailability]),
  ],
  controllers: [AssignmentController, AssignmentSetupController],
  providers: [
    AssignmentPhase,
    AssignmentResolverService,
    AutomaticAssignerService,
    AssignmentLogService,
    AssignmentPreviewService,
    AssignmentComparisonService,
    AssignmentDemoSeedService,
    PlanPrioritiesService,
    AvailabilityService,
    LeaveService,
    LocalOperatorDirectory,
    DirectoryRegistry,
    AssignmentLogRepository,
    AvailabilityRepository,
    LeaveRepository,
    LocalDirectoryRepository,
    PlanRepository,
    ProductionRefsRepository,
    WorkloadRepository,
  ],
  exports: [LocalOperatorDirectory, AssignmentResolverService, AssignmentComparisonService],
})
export class AssignmentModule {}
