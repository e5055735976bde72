import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PhasesModule } from '../phases/phases.module.js';
import { RetentionModule } from '../phases/retention/retention.module.js';
import { DashboardMetrics } from './dashboard-metrics.js';
import { DashboardQueryService } from './dashboard-query.service.js';
import { DashboardRefreshRepository } from './dashboard-refresh.repository.js';
import { DashboardRefreshService } from './dashboard-refresh.service.js';
import { DashboardViewRepository } from './dashboard-view.repository.js';
import { DashboardController } from './dashboard.controller.js';
import { DashboardPhase } from './dashboard.phase.js';
import { RefreshState } from './entities/refresh-state.entity.js';

/** Phase 10: the production dashboard on analytics tables refreshed from token_event. */
@Module({
  imports: [PhasesModule, RetentionModule, TypeOrmModule.forFeature([RefreshState])],
  controllers: [DashboardController],
  providers: [
    DashboardPhase,
    DashboardRefreshRepository,
    DashboardRefreshService,
    DashboardViewRepository,
    DashboardQueryService,
    DashboardMetrics,
  ],
})
export class DashboardModule {}
