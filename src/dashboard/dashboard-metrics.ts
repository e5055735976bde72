import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { DashboardRefreshRepository } from './dashboard-refresh.repository.js';
import type { RefreshState } from './entities/refresh-state.entity.js';

/**
 * Per view: when it was refreshed and how long that took. The gauges read mv_refresh_state at
 * scrape time, so every replica reports the same figures, not only the one whose turn it was
 * to refresh. With the schema reverted they report nothing.
 */
@Injectable()
export class DashboardMetrics {
  private readonly logger = new Logger(DashboardMetrics.name);

  constructor(
    private readonly views: DashboardRefreshRepository,
    metrics: MetricsService,
  ) {
    // MetricsService.gauge() takes no collect callback; these join its registry all the same
    new Gauge({
      name: 'dashboard_view_refreshed_at_seconds',
      help: 'When each dashboard view was last refreshed (Unix time its data is as of)',
      labelNames: ['view'],
      registers: [metrics.registry],
      collect: this.collector((s) => (s.refreshedAt ? s.refreshedAt.getTime() / 1000 : null)),
    });
    new Gauge({
      name: 'dashboard_view_refresh_duration_seconds',
      help: 'How long the last refresh of each dashboard view took',
      labelNames: ['view'],
      registers: [metrics.registry],
      collect: this.collector((s) => (s.durationMs === null ? null : s.durationMs / 1000)),
    });
  }

  private collector(read: (state: RefreshState) => number | null): (this: Gauge) => Promise<void> {
    const states = () => this.views.states();
    const logger = this.logger;
    return async function () {
      this.reset();
      try {
        for (const state of await states()) {
          const value = read(state);
          if (value !== null) this.set({ view: state.viewName }, value);
        }
      } catch (error) {
        logger.debug({ msg: 'dashboard refresh state unreadable', error: String(error) });
      }
    };
  }
}
