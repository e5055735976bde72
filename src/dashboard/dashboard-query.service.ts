import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CronTime } from 'cron';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { Environment } from '../config/environment.js';
import { toDbTime } from '../database/dialect.js';
import { PhaseFallback } from '../phases/fallback/phase-fallback.service.js';
import { NO_SCOPE } from '../phases/flags/flag-rules.js';
import { PhaseTelemetry } from '../phases/telemetry/phase-telemetry.service.js';
import { DASHBOARD_FLAG, type ViewName } from './dashboard.schema.js';
import { DashboardViewRepository, type ViewRows } from './dashboard-view.repository.js';
import type {
  BottleneckRowDto,
  CycleTimeQuery,
  CycleTimeRowDto,
  TeamWorkloadRowDto,
  TokenFlowQuery,
  TokenFlowRowDto,
} from './dto/dashboard.dto.js';

export interface ViewAnswer<T> {
  refreshedAt: Date | null;
  stale: boolean;
  data: T[];
}

/** The widest ranges one answer covers: a month of hourly flow, a year of daily cycle times. */
const MAX_FLOW_DAYS = 31;
const MAX_CYCLE_DAYS = 366;
const DAY_MS = 86_400_000;

/**
 * Reads the dashboard from the analytics tables, through the phase fallback: with the flag
 * off (or a read failing) the answer is 503 "Data unavailable", and the tables stay untouched.
 */
@Injectable()
export class DashboardQueryService {
  private readonly staleAfterMs: number;

  constructor(
    private readonly views: DashboardViewRepository,
    private readonly fallback: PhaseFallback,
    private readonly telemetry: PhaseTelemetry,
    config: ConfigService<Environment, true>,
  ) {
    this.staleAfterMs = 3 * cronIntervalMs(config.get('DASHBOARD_REFRESH_CRON', { infer: true }));
  }

  tokenFlow(query: TokenFlowQuery): Promise<ViewAnswer<TokenFlowRowDto>> {
    const from = query.from ?? new Date(Date.now() - DAY_MS);
    checkRange(
      from.getTime(),
      query.to?.getTime(),
      Date.now(),
      MAX_FLOW_DAYS,
      query.from ? 'from' : 'the default from (24 hours ago)',
    );
    return this.read('mv_token_flow_summary', () => this.views.tokenFlow({ from, to: query.to, nodeId: query.nodeId }));
  }

  bottlenecks(): Promise<ViewAnswer<BottleneckRowDto>> {
    return this.read('mv_node_bottlenecks', () => this.views.bottlenecks());
  }

  teamWorkload(): Promise<ViewAnswer<TeamWorkloadRowDto>> {
    return this.read('mv_team_workload', () => this.views.teamWorkload());
  }

  cycleTimes(query: CycleTimeQuery): Promise<ViewAnswer<CycleTimeRowDto>> {
    const from = query.from ?? toDbTime(new Date(Date.now() - 30 * DAY_MS)).slice(0, 10);
    // inclusive days: a range ends at the end of its last day
    const endOf = (day: string) => Date.parse(`${day}T00:00:00Z`) + DAY_MS;
    checkRange(
      Date.parse(`${from}T00:00:00Z`),
      query.to === undefined ? undefined : endOf(query.to),
      endOf(toDbTime(new Date()).slice(0, 10)),
      MAX_CYCLE_DAYS,
      query.from ? 'from' : 'the default from (30 days ago)',
    );
    return this.read('mv_cycle_time_analytics', () =>
      this.views.cycleTimes({ from, to: query.to, product: query.product }),
    );
  }

  private async read<T>(view: ViewName, rows: () => Promise<ViewRows<T>>): Promise<ViewAnswer<T>> {
    const { value } = await this.fallback.run({
      flag: DASHBOARD_FLAG,
      operation: `read_${view}`,
      context: NO_SCOPE,
      newPath: async () => {
        const { refreshedAt, rows: data } = await rows();
        if (refreshedAt) this.telemetry.signal(10, 'view_age_s', (Date.now() - refreshedAt.getTime()) / 1000);
        return {
          refreshedAt,
          stale: refreshedAt === null || Date.now() - refreshedAt.getTime() > this.staleAfterMs,
          data,
        };
      },
      legacy: async () => {
        throw new DomainError(ErrorCode.DataUnavailable, 'Data unavailable');
      },
    });
    return value;
  }
}

/** The gap between the schedule's next two ticks. */
export function cronIntervalMs(cron: string): number {
  const [first, second] = new CronTime(cron).sendAt(2);
  return second.toMillis() - first.toMillis();
}

/**
 * A range one response can carry: `to` (when given) after `from`, and at most `maxDays` from
 * `from` to `to` or, without one, to `now` (a year of hourly token flow over 50 nodes would be
 * 438,000 rows). A longer one is asked for in parts.
 */
function checkRange(from: number, to: number | undefined, now: number, maxDays: number, fromLabel: string): void {
  if (to !== undefined && to <= from)
    throw DomainError.validation([{ field: 'to', messages: [`to must be after ${fromLabel}`] }]);
  if ((to ?? now) - from > maxDays * DAY_MS) {
    throw DomainError.validation([
      { field: 'from', messages: [`the range may span at most ${maxDays} days; ask for a longer one in parts`] },
    ]);
  }
}
