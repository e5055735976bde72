import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EventLoopDelay } from './event-loop-delay.js';

type Labels = readonly string[];

/**
 * prom-client's defaults include gauges named like counters, which `promtool check metrics`
 * reports; the same figures remain by type in nodejs_active_handles, nodejs_active_requests
 * and nodejs_active_resources (sum them for the total).
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Owns this app's Prometheus registry (not prom-client's global one, so several app
 * instances can live in one process, as in tests). Modules get their metrics here.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly httpDuration: Histogram;
  private readonly eventLoopDelay: EventLoopDelay;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    this.httpDuration = this.histogram(
      'http_request_duration_seconds',
      'HTTP request duration by route and status',
      ['method', 'route', 'status'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
    this.eventLoopDelay = new EventLoopDelay(
      this.histogram(
        'phasegate_event_loop_delay_seconds',
        'The longest event-loop delay in each second',
        [],
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ),
    );
  }

  onModuleDestroy(): void {
    this.eventLoopDelay.stop();
  }

  counter(name: string, help: string, labelNames: Labels = []): Counter {
    return (
      (this.registry.getSingleMetric(name) as Counter | undefined) ??
      new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  gauge(name: string, help: string, labelNames: Labels = []): Gauge {
    return (
      (this.registry.getSingleMetric(name) as Gauge | undefined) ??
      new Gauge({ name, help, labelNames, registers: [this.registry] })
    );
  }

  histogram(name: string, help: string, labelNames: Labels = [], buckets?: number[]): Histogram {
    return (
      (this.registry.getSingleMetric(name) as Histogram | undefined) ??
      new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) })
    );
  }
}
