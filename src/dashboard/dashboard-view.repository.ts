import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { fromDbTime, toDbTime } from '../database/dialect.js';
import type { ViewName } from './dashboard.schema.js';
import { isHistoryView, visibleRows } from './view-sql.js';
import type { BottleneckRowDto, CycleTimeRowDto, TeamWorkloadRowDto, TokenFlowRowDto } from './dto/dashboard.dto.js';

/** The rows of the generation readers see, and the time that generation's data is as of. */
export interface ViewRows<T> {
  refreshedAt: Date | null;
  rows: T[];
}

export interface TokenFlowRange {
  from: Date;
  to?: Date;
  nodeId?: number;
}

/** Days as 'YYYY-MM-DD', both ends inclusive. */
export interface CycleTimeRange {
  from: string;
  to?: string;
  product?: string;
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
const WINDOW: Columns<{ windowStart: Date; windowEnd: Date }> = {
  windowStart: ['window_start', 'time'],
  windowEnd: ['window_end', 'time'],
};
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

/** Reads the four analytics tables through mv_refresh_state's pointer to their current generation. */
@Injectable()
export class DashboardViewRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  tokenFlow(range: TokenFlowRange): Promise<ViewRows<TokenFlowRowDto>> {
    const where = ['v.bucket_start >= ?'];
    const params: unknown[] = [toDbTime(range.from)];
    if (range.to) {
      where.push('v.bucket_start < ?');
      params.push(toDbTime(range.to));
    }
    if (range.nodeId) {
      where.push('v.node_id = ?');
      params.push(range.nodeId);
    }
    return this.read('mv_token_flow_summary', FLOW, where, params, 'v.node_id, v.bucket_start');
  }

  bottlenecks(): Promise<ViewRows<BottleneckRowDto>> {
    return this.read('mv_node_bottlenecks', BOTTLENECKS, [], [], 'v.bottleneck_rank');
  }

  teamWorkload(): Promise<ViewRows<TeamWorkloadRowDto>> {
    return this.read('mv_team_workload', TEAMS, [], [], 'v.team_code, v.team_id');
  }

  cycleTimes(range: CycleTimeRange): Promise<ViewRows<CycleTimeRowDto>> {
    const where = ['v.day >= ?'];
    const params: unknown[] = [range.from];
    if (range.to) {
      where.push('v.day <= ?');
      params.push(range.to);
    }
    if (range.product) {
      where.push('v.product_code = ?');
      params.push(range.product);
    }
    return this.read('mv_cycle_time_analytics', CYCLES, where, params, 'v.product_code, v.day');
  }

  /**
   * One statement joins the state row to the rows of the generation it points at (for a
   * history view, of its base generation before the split and its current one from there),
   * so a refresh swapping generations meanwhile shows this reader the old set or the new one.
   */
  private async read<T>(
    view: ViewName,
    columns: Columns<T>,
    where: string[],
    params: unknown[],
    orderBy: string,
  ): Promise<ViewRows<T>> {
    const fields = Object.entries<[string, Kind]>(columns);
    const select = fields.map(([field, [column]]) => `v.${column} AS \`${field}\``).join(', ');
    const current = isHistoryView(view) ? visibleRows(view, 'v', 's') : 'v.generation = s.generation';
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT s.refreshed_at AS \`refreshedAt\`, v.generation AS \`rowGeneration\`, ${select}
       FROM mv_refresh_state s LEFT JOIN ${view} v ON ${current} ${where.map((w) => `AND ${w}`).join(' ')}
       WHERE s.view_name = ? ORDER BY ${orderBy}`,
      [...params, view],
    );
    return {
      refreshedAt: fromDbTime((rows.at(0)?.refreshedAt as string | Date | undefined) ?? null),
      rows: rows
        .filter((r) => r.rowGeneration !== null)
        .map((r) => Object.fromEntries(fields.map(([field, [, kind]]) => [field, readValue(r[field], kind)])) as T),
    };
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
