import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PhasesModule } from '../phases/phases.module.js';
import { ProductionModule } from '../production/production.module.js';
import { OemJobTicket, OemJobTicketStep } from './entities/oem-job-ticket.entity.js';
import { OemScanRule } from './entities/oem-scan-rule.entity.js';
import { OemShadowResult } from './entities/oem-shadow-result.entity.js';
import { OemBoardController } from './oem-board.controller.js';
import { OemDemoSeedService } from './oem-demo-seed.service.js';
import { OemKanbanRepository } from './oem-kanban.repository.js';
import { OemKanbanService } from './oem-kanban.service.js';
import { OemPhaseRepository } from './oem-phase.repository.js';
import { OemRulesController } from './oem-rules.controller.js';
import { OemRulesRepository } from './oem-rules.repository.js';
import { OemRulesService } from './oem-rules.service.js';
import { OemScanPlanner } from './oem-scan.planner.js';
import { OemScanRepository } from './oem-scan.repository.js';
import { OemScanService } from './oem-scan.service.js';
import { OemScanHandler } from './oem-scan.handler.js';
import { OemShadowRepository } from './oem-shadow.repository.js';
import { OemShadowService } from './oem-shadow.service.js';
import { OemTicketsController } from './oem-tickets.controller.js';
import { OemTicketsRepository } from './oem-tickets.repository.js';
import { OemTicketsService } from './oem-tickets.service.js';
import { OemPhase } from './oem.phase.js';

/** Phase 8: OEM job tickets, station scan rules, the shadow run and the Kanban; plugs into the core through ScanHook. */
@Module({
  imports: [
    PhasesModule,
    ProductionModule,
    TypeOrmModule.forFeature([OemJobTicket, OemJobTicketStep, OemScanRule, OemShadowResult]),
  ],
  controllers: [OemTicketsController, OemRulesController, OemBoardController],
  providers: [
    OemPhase,
    OemPhaseRepository,
    OemTicketsService,
    OemTicketsRepository,
    OemRulesService,
    OemRulesRepository,
    OemScanService,
    OemScanPlanner,
    OemScanRepository,
    OemScanHandler,
    OemShadowService,
    OemShadowRepository,
    OemKanbanService,
    OemKanbanRepository,
    OemDemoSeedService,
  ],
})
export class OemModule {}
