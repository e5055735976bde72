import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountRepository } from './account.repository.js';
import { AccountsService } from './accounts.service.js';
import { AssignmentPlanRepository } from './assignment-plan.repository.js';
import { AssignmentPlansController } from './assignment-plans.controller.js';
import { AssignmentPlansService } from './assignment-plans.service.js';
import { DagRoutingService } from './dag-routing.service.js';
import { DemoSeedService } from './demo-seed.service.js';
import { Account } from './entities/account.entity.js';
import { AssignmentPlanJob, AssignmentPlanNode } from './entities/assignment-plan.entity.js';
import { JobTicket } from './entities/job-ticket.entity.js';
import { GraphEdge, GraphNode, ProductionGraph } from './entities/production-graph.entity.js';
import { ScanRecord } from './entities/scan-record.entity.js';
import { Team, TeamMember } from './entities/team.entity.js';
import { Token, TokenEvent } from './entities/token.entity.js';
import { FloorController } from './floor.controller.js';
import { FloorRepository } from './floor.repository.js';
import { FloorService } from './floor.service.js';
import { GraphTopologyCache } from './graph-topology.js';
import { GraphRepository } from './graph.repository.js';
import { GraphsController } from './graphs.controller.js';
import { GraphsService } from './graphs.service.js';
import { AssignmentHook } from './hooks/assignment-hook.js';
import { ScanHook } from './hooks/scan-hook.js';
import { JobRepository } from './job.repository.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { NodeAssignmentService } from './node-assignment.service.js';
import { OperatorsController, TeamsController } from './operators.controller.js';
import { ScanRecordRepository } from './scan-record.repository.js';
import { ScansController } from './scans.controller.js';
import { ScansService } from './scans.service.js';
import { TokenListRepository } from './token-list.repository.js';
import { SpawnLease } from './spawn-lease.js';
import { TokenLifecycleService } from './token-lifecycle.service.js';
import { TokenStore } from './token-store.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';

/**
 * The pre-Phase-7 core every phase plugs into and falls back to. Phases hook in through
 * AssignmentHook (automatic assignment) and ScanHook (scan pre-handling) only.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      Account,
      Team,
      TeamMember,
      ProductionGraph,
      GraphNode,
      GraphEdge,
      JobTicket,
      Token,
      TokenEvent,
      AssignmentPlanNode,
      AssignmentPlanJob,
      ScanRecord,
    ]),
  ],
  controllers: [
    GraphsController,
    AssignmentPlansController,
    JobsController,
    TokensController,
    ScansController,
    OperatorsController,
    TeamsController,
    FloorController,
  ],
  providers: [
    SpawnLease,
    AccountRepository,
    AccountsService,
    AssignmentHook,
    AssignmentPlanRepository,
    AssignmentPlansService,
    DagRoutingService,
    DemoSeedService,
    FloorRepository,
    FloorService,
    GraphRepository,
    GraphTopologyCache,
    GraphsService,
    JobRepository,
    JobsService,
    NodeAssignmentService,
    ScanHook,
    ScanRecordRepository,
    ScansService,
    TokenLifecycleService,
    TokenListRepository,
    TokenStore,
    TokensService,
  ],
  exports: [
    AccountsService,
    AssignmentHook,
    AssignmentPlansService,
    DagRoutingService,
    DemoSeedService,
    GraphsService,
    JobsService,
    NodeAssignmentService,
    ScanHook,
    TokenLifecycleService,
    TokenStore,
    TokensService,
  ],
})
export class ProductionModule {}
