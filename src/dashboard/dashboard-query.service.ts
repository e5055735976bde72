import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronTime } from 'cron';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { Environment } from '../config/environment.js';
import { fromDbTime, toDbTime } from '../database/dialect.js';
import { PhaseFallback } from '../phases/fallback/phase-fallback.service.js';
import { DASHBOARD_FLAG, type ViewName } from './dashboard.schema.js';
import type { BottleneckRowDto, CycleTimeQuery, CycleTimeRowDto, TeamWorkloadRowDto, TokenFlowQuery, TokenFlowRowDto } from './dto/dashboard.dto.js';

export interface ViewAnswer<T> {
  refreshedAt: Date | null;
  stale: boolean;
  data: T[];
}

type Kind = 'int' | 'int?' | 'time' | 'text';
/** Answer field -> [view column, how to read it]. */
type Columns<T> = { [K in keyof T]-?: [string, Kind] };

const FLOW: Columns<TokenFlowRowDto> = {
  nodeId: ['node_id', 'int'],
  bucketStart: ['bucket_start', 'time'],
  entered: ['entered', 'int'],
  exited: ['exited', 'int'],
  scrapped: ['scrapped', 'int'],
  wip: ['wip', 'int'],
};
const WINDOW: Columns<{ windowStart: Date; windowEnd: Date }> = { windowStart: ['window_start', 'time'], windowEnd: ['window_end', 'time'] };
const BOTTLENECKS: Columns<BottleneckRowDto> = {
  rank: ['bottleneck_rank', 'int'],
  nodeId: ['node_id', 'int'],
  graphId: ['graph_id', 'int'],
  nodeCode: ['node_code', 'text'],
  nodeName: ['node_name', 'text'],
  queueLength: ['queue_length', 'int'],
  waitsMeasured: ['waits_measured', 'int'],
  avgWaitMs: ['avg_wait_ms', 'int?'],
  p90WaitMs: ['p90_wait_ms', 'int?'],
  processingsMeasured: ['processings_measured', 'int'],
  avgProcessingMs: ['avg_processing_ms', 'int?'],
  ...WINDOW,
};
const TEAMS: Columns<TeamWorkloadRowDto> = {
  teamId: ['team_id', 'int'],
  teamCode: ['team_code', 'text'],
  teamName: ['team_name', 'text'],
  tokensWaiting: ['tokens_waiting', 'int'],
  tokensInProgress: ['tokens_in_progress', 'int'],
  completedInWindow: ['completed_in_window', 'int'],
  operatorsOnShift: ['operators_on_shift', 'int'],
  ...WINDOW,
};
const CYCLES: Columns<CycleTimeRowDto> = {
  productCode: ['product_code', 'text'],
  day: ['day', 'text'],
  tokensFinished: ['tokens_finished', 'int'],
  avgCycleMs: ['avg_cycle_ms', 'int'],
  p50CycleMs: ['p50_cycle_ms', 'int'],
  p90CycleMs: ['p90_cycle_ms', 'int'],
};

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fallback: PhaseFallback,
    config: ConfigService<Environment, true>,
  ) {
    this.staleAfterMs = 3 * cronIntervalMs(config.get('DASHBOARD_REFRESH_CRON', { infer: true }));
  }

  tokenFlow(query: TokenFlowQuery): Promise<ViewAnswer<TokenFlowRowDto>> {
    const from = query.from ?? new Date(Date.now() - DAY_MS);
    checkRange(from.getTime(), query.to?.getTime(), Date.now(), MAX_FLOW_DAYS, query.from ? 'from' : 'the default from (24 hours ago)');
    const where = ['v.bucket_start >= ?'];
    const params: unknown[] = [toDbTime(from)];
    if (query.to) {
      where.push('v.bucket_start < ?');
      params.push(toDbTime(query.to));
    }
    if (query.nodeId) {
      where.push('v.node_id = ?');
      params.push(query.nodeId);
    }
    return this.read('mv_token_flow_summary', FLOW, where, params, 'v.node_id, v.bucket_start');
  }

  bottlenecks(): Promise<ViewAnswer<BottleneckRowDto>> {
    return this.read('mv_node_bottlenecks', BOTTLENECKS, [], [], 'v.bottleneck_rank');
  }

  teamWorkload(): Promise<ViewAnswer<TeamWorkloadRowDto>> {
    return this.read('mv_team_workload', TEAMS, [], [], 'v.team_code, v.team_id');
  }

  cycleTimes(query: CycleTimeQuery): Promise<ViewAnswer<CycleTimeRowDto>> {
    const from = query.from ?? toDbTime(new Date(Date.now() - 30 * DAY_MS)).slice(0, 10);
    // inclusive days: a range ends at the end of its last day
    const endOf = (day: string) => Date.parse(`${day}T00:00:00Z`) + DAY_MS;
    checkRange(Date.parse(`${from}T00:00:00Z`), query.to === undefined ? undefined : endOf(query.to), endOf(toDbTime(new Date()).slice(0, 10)), MAX_CYCLE_DAYS, query.from ? 'from' : 'the default from (30 days ago)');
    const where = ['v.day >= ?'];
    const params: unknown[] = [from];
    if (query.to) {
      where.push('v.day <= ?');
      params.push(query.to);
    }
    if (query.product) {
      where.push('v.product_code = ?');
      params.push(query.product);
    }
    return this.read('mv_cycle_time_analytics', CYCLES, where, params, 'v.product_code, v.day');
  }

  /**
   * One statement joins the state row to the rows of the generation it points at, so a
   * refresh swapping generations meanwhile shows this reader the old set or the new one.
   */
  private async read<T>(view: ViewName, columns: Columns<T>, where: string[], params: unknown[], orderBy: string): Promise<ViewAnswer<T>> {
    const fields = Object.entries(columns) as Array<[string, [string, Kind]]>;
    const select = fields.map(([field, [column]]) => `v.${column} AS \`${field}\``).join(', ');
    const { value } = await this.fallback.run({
      flag: DASHBOARD_FLAG,
      operation: `read_${view}`,
      newPath: async () => {
        const rows: Array<Record<string, unknown>> = await this.dataSource.query(
          `SELECT s.refreshed_at AS \`refreshedAt\`, v.generation AS \`rowGeneration\`, ${select}
           FROM mv_refresh_state s LEFT JOIN ${view} v ON v.generation = s.generation ${where.map((w) => `AND ${w}`).join(' ')}
           WHERE s.view_name = ? ORDER BY ${orderBy}`,
          [...params, view],
        );
        const refreshedAt = fromDbTime((rows[0]?.refreshedAt as string | Date | undefined) ?? null);
        return {
          refreshedAt,
          stale: refreshedAt === null || Date.now() - refreshedAt.getTime() > this.staleAfterMs,
          data: rows.filter((r) => r.rowGeneration !== null).map((r) => Object.fromEntries(fields.map(([field, [, kind]]) => [field, readValue(r[field], kind)])) as T),
        };
      },
      legacy: async () => {
        throw new DomainError(ErrorCode.DataUnavailable, 'Data unavailable');
      },
    });
    return value;
  }
}

function readValue(value: unknown, kind: Kind): unknown {
  switch (kind) {
    case 'int':
      return Number(value);
    case 'int?':
      return value === null ? null : Number(value);
    case 'time':
      return fromDbTime(value as string | Date);
    case 'text':
      return String(value);
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
  if (to !== undefined && to <= from) throw DomainError.validation([{ field: 'to', messages: [`to must be after ${fromLabel}`] }]);
  if ((to ?? now) - from > maxDays * DAY_MS) {
    throw DomainError.validation([{ field: 'from', messages: [`the range may span at most ${maxDays} days; ask for a longer one in parts`] }]);
  }
}
