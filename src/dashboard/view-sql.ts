import {
  forceIndex,
  hourBucket,
  intDiv,
  jsonInt,
  msBetween,
  onDuplicateKey,
  primaryKeyIndex,
  toDbTime,
  utcDay,
  type Dialect,
} from '../database/dialect.js';
import { spawnFinished } from '../production/token-store.js';
import type { ViewName } from './dashboard.schema.js';

/**
 * The set-based SQL that fills one generation of each analytics table from token_event and
 * the core tables: INSERT ... SELECT with GROUP BY and window functions (MySQL 8, MariaDB
 * 10.11 and SQLite 3.25+), no row loops. Dialect differences come from database/dialect.ts.
 *
 * Definitions, which the e2e suite recomputes independently from the raw events:
 * - A token enters a node when it is spawned there or routed there; it exits the node it was
 *   routed from (the `routed` event's payload.fromNodeId) and the end node when it finishes.
 * - Wait: from entering a node to the `started` there. Processing: from `started` to
 *   `completed`. Cycle time: from `spawned` to `finished`. All in whole milliseconds.
 * - Averages are rounded half up to whole milliseconds; percentiles are nearest-rank: the
 *   p-th percentile of n sorted values is the value at rank ceil(p * n / 100).
 * - Windowed figures count intervals that end in [windowStart, windowEnd).
 *
 * The watermark condition is written `id + 0 <= ?`: as a plain range on the primary key it
 * tempts SQLite's planner into scanning the whole table by id instead of using the index on
 * (type, occurred_at) (or token_id) that actually narrows the rows. Every statement that reads
 * events of given types in a stretch of time (a chunk of history: the recent events of an
 * incremental refresh, or one step of a history read in steps; or the window) names that index
 * (forceIndex) so its plan does not hang on table statistics: after a bulk load MariaDB's can
 * be stale enough to scan the table. The index also holds each event's node, token and
 * operator, so only a routed event's payload is read from the table.
 */
export interface BuildContext {
  dialect: Dialect;
  /** The generation being written. */
  generation: number;
  /**
   * Incremental: the base generation, which holds the partitions before `until` that this
   * refresh leaves in place (token flow carries each node's wip from them). Null for a full build.
   */
  kept: { generation: number; until: Date } | null;
  /** Only events up to this id: every statement of a refresh sees the same history. */
  watermark: number;
  windowStart: Date;
  windowEnd: Date;
}

/**
 * One step of a history view (token flow, cycle times): the partitions (hours, days) whose
 * events occurred in [from, until), `until` null for the last. Token flow carries each node's
 * wip from the rows the generation already holds before `from`, so a history built in several
 * steps equals one built in a single statement. Null: all of history, read in one statement.
 *
 * Token flow may also cut inside an hour (a spawn stamps a whole job's events with one time):
 * a bound with an event id is the point in (occurred_at, id) order, and a step that starts
 * there adds its figures to the partial row of its first hour.
 */
export type HistoryChunk = { from: Date; fromId?: number; until: Date | null; untilId?: number } | null;

export interface Statement {
  sql: string;
  params: unknown[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The views whose partitions are periods of history: built in chunks of time, and incrementally from a time on. */
export const HISTORY_VIEWS = {
  mv_token_flow_summary: {
    unitMs: HOUR_MS,
    partition: 'bucket_start',
    index: 'idx_mv_token_flow_partition',
    key: ['node_id', 'bucket_start'],
    figures: ['entered', 'exited', 'scrapped', 'wip'],
    partitionKey: (at: Date) => toDbTime(at),
    chunk: tokenFlowChunk,
    splitsPartitions: true,
  },
  mv_cycle_time_analytics: {
    unitMs: DAY_MS,
    partition: 'day',
    index: 'idx_mv_cycle_time_partition',
    key: ['product_code', 'day'],
    figures: ['tokens_finished', 'avg_cycle_ms', 'p50_cycle_ms', 'p90_cycle_ms'],
    partitionKey: (at: Date) => toDbTime(at).slice(0, 10),
    chunk: cycleTimesChunk,
    splitsPartitions: false,
  },
} as const satisfies Partial<
  Record<
    ViewName,
    {
      /** Partitions are this long: chunk bounds are multiples of it. */
      unitMs: number;
      /** The column that names a row's partition, and the index on (generation, it). */
      partition: string;
      index: string;
      /** The columns that name a row within a generation, and those that hold its figures. */
      key: readonly string[];
      figures: readonly string[];
      /** A partition bound as the partition column holds it: the partition that starts there. */
      partitionKey: (at: Date) => string;
      chunk: (c: BuildContext, chunk: HistoryChunk) => Statement;
      /** Whether a step may end inside a partition (its figures add up; percentiles would not). */
      splitsPartitions: boolean;
    }
  >
>;
export type HistoryView = keyof typeof HISTORY_VIEWS;

export function isHistoryView(view: ViewName): view is HistoryView {
  return view in HISTORY_VIEWS;
}

/**
 * The rows of a history view that readers see through the state row `state` (mv_refresh_state):
 * the base generation's partitions before the split, the current generation's from it (all of
 * the current generation's without a split). One condition, so one statement reads a snapshot.
 */
export function visibleRows(view: HistoryView, row: string, state: string): string {
  const partition = `${row}.${HISTORY_VIEWS[view].partition}`;
  return `((${row}.generation = ${state}.generation AND (${state}.split_key IS NULL OR ${partition} >= ${state}.split_key))
    OR (${row}.generation = ${state}.base_generation AND ${partition} < ${state}.split_key))`;
}

/** Generation `from`'s partitions in [since, until) (partition keys; either end open when null), copied into generation `to`. */
export interface PartitionCopy {
  from: number;
  to: number;
  since: string | null;
  until: string | null;
}

export function partitionCopy(view: HistoryView, dialect: Dialect, copy: PartitionCopy): Statement {
  const { partition, index, key, figures } = HISTORY_VIEWS[view];
  const columns = [...key, ...figures].join(', ');
  const bounds = [copy.since && `${partition} >= ?`, copy.until && `${partition} < ?`].filter(Boolean);
  return {
    sql: `INSERT INTO ${view} (generation, ${columns})
      SELECT ?, ${columns} FROM ${view} ${forceIndex(dialect, index)} WHERE ${['generation = ?', ...bounds].join(' AND ')}`,
    params: [copy.to, copy.from, ...[copy.since, copy.until].filter((b) => b !== null)],
  };
}

/** The single statement of a view over the current state and a recent window (bottlenecks, team workload). */
export function windowView(view: Exclude<ViewName, HistoryView>, c: BuildContext): Statement {
  return view === 'mv_node_bottlenecks' ? bottlenecks(c) : teamWorkload(c);
}

/** The chunk's condition on `column` (and `id` at bounds inside a time), and the index hint that reads it (none for all of history: a scan). */
function chunkRange(
  d: Dialect,
  column: string,
  id: string,
  chunk: HistoryChunk,
): { sql: string; params: Array<string | number>; index: string } {
  if (!chunk) return { sql: '', params: [], index: '' };
  const from = toDbTime(chunk.from);
  // a step between two events of one time (a spawn's): a seek, as the index holds the id after the time
  if (chunk.fromId !== undefined && chunk.untilId !== undefined && chunk.until?.getTime() === chunk.from.getTime())
    return {
      sql: `AND ${column} = ? AND ${id} >= ? AND ${id} < ?`,
      params: [from, chunk.fromId, chunk.untilId],
      index: typedEventsIndex(d),
    };
  const sql = [`AND ${column} >= ?`];
  const params: Array<string | number> = [from];
  if (chunk.fromId !== undefined) {
    sql.push(`AND (${column} > ? OR ${id} >= ?)`);
    params.push(from, chunk.fromId);
  }
  if (chunk.until) {
    const until = toDbTime(chunk.until);
    sql.push(
      chunk.untilId === undefined ? `AND ${column} < ?` : `AND (${column} < ? OR (${column} = ? AND ${id} < ?))`,
    );
    params.push(...(chunk.untilId === undefined ? [until] : [until, until, chunk.untilId]));
  }
  return { sql: sql.join(' '), params, index: typedEventsIndex(d) };
}

/** Entered, exited and scrapped per node and hour; wip is the running sum of the three at each bucket's end. */
function tokenFlowChunk(c: BuildContext, chunk: HistoryChunk): Statement {
  const d = c.dialect;
  const range = chunkRange(d, 'occurred_at', 'id', chunk);
  const events = `token_event ${range.index}`;
  const moves = `
    SELECT node_id, ${hourBucket(d, 'occurred_at')} AS bucket_start,
      CASE WHEN type IN ('spawned', 'routed') THEN 1 ELSE 0 END AS entered,
      CASE WHEN type = 'finished' THEN 1 ELSE 0 END AS exited,
      CASE WHEN type = 'scrapped' THEN 1 ELSE 0 END AS scrapped
    FROM ${events} WHERE type IN ('spawned', 'routed', 'finished', 'scrapped') AND id + 0 <= ? ${range.sql}
    UNION ALL
    SELECT ${jsonInt(d, 'payload', '$.fromNodeId')}, ${hourBucket(d, 'occurred_at')}, 0, 1, 0
    FROM ${events} WHERE type = 'routed' AND id + 0 <= ? ${range.sql}`;
  // each node's wip at the end of its last bucket before the chunk (the partial row of the hour
  // it starts inside, if any): in this generation, else among the partitions the refresh keeps;
  // one lookup per node and hour through the primary key
  const lastWip = `(SELECT o.wip FROM mv_token_flow_summary o ${forceIndex(d, primaryKeyIndex(d, 'mv_token_flow_summary'))}
    WHERE o.generation = ? AND o.node_id = m.node_id AND o.bucket_start < ? ORDER BY o.bucket_start DESC LIMIT 1)`;
  const carried = !chunk ? '' : `COALESCE(${lastWip}, ${c.kept ? lastWip : 'NULL'}, 0) + `;
  return {
    sql: `INSERT INTO mv_token_flow_summary (generation, node_id, bucket_start, entered, exited, scrapped, wip)
      SELECT ?, m.node_id, m.bucket_start, m.entered, m.exited, m.scrapped,
        ${carried}SUM(m.entered - m.exited - m.scrapped) OVER (PARTITION BY m.node_id ORDER BY m.bucket_start ROWS UNBOUNDED PRECEDING)
      FROM (
        SELECT node_id, bucket_start, SUM(entered) AS entered, SUM(exited) AS exited, SUM(scrapped) AS scrapped
        FROM (${moves}) e
        WHERE node_id IS NOT NULL
        GROUP BY node_id, bucket_start
      ) m WHERE 1 = 1
      ${chunk?.fromId !== undefined ? onDuplicateKey(d, ['generation', 'node_id', 'bucket_start'], ['entered', 'exited', 'scrapped'], ['wip']) : ''}`,
    params: [
      c.generation,
      ...(chunk
        ? [
            c.generation,
            toDbTime(
              chunk.fromId === undefined ? chunk.from : new Date(floorTo(chunk.from, HOUR_MS).getTime() + HOUR_MS),
            ),
          ]
        : []),
      ...(chunk && c.kept ? [c.kept.generation, toDbTime(c.kept.until)] : []),
      c.watermark,
      ...range.params,
      c.watermark,
      ...range.params,
    ],
  };
}

/** Per node (end nodes have no queue): the queue now, waits and processing in the window, and the rank. */
function bottlenecks(c: BuildContext): Statement {
  const window = [toDbTime(c.windowStart), toDbTime(c.windowEnd)];
  const waits = intervals(c, ['spawned', 'routed'], 'started');
  const processing = intervals(c, ['started'], 'completed');
  return {
    sql: `INSERT INTO mv_node_bottlenecks (generation, node_id, graph_id, node_code, node_name, window_start, window_end, queue_length,
        waits_measured, avg_wait_ms, p90_wait_ms, processings_measured, avg_processing_ms, bottleneck_rank)
      SELECT ?, n.id, n.graph_id, n.code, n.name, ?, ?, COALESCE(q.queued, 0),
        COALESCE(w.measured, 0), w.avg_ms, w.p90_ms, COALESCE(p.measured, 0), p.avg_ms,
        ROW_NUMBER() OVER (ORDER BY COALESCE(q.queued, 0) DESC, COALESCE(w.p90_ms, -1) DESC, n.id)
      FROM graph_node n
      LEFT JOIN (SELECT current_node_id AS node_id, COUNT(*) AS queued FROM token ${forceIndex(c.dialect, 'idx_token_status_node')} WHERE status = 'waiting' AND ${spawnFinished('job_id')} GROUP BY current_node_id) q ON q.node_id = n.id
      LEFT JOIN (${distribution(c.dialect, ['node_id'], waits.sql, [90])}) w ON w.node_id = n.id
      LEFT JOIN (${distribution(c.dialect, ['node_id'], processing.sql, [90])}) p ON p.node_id = n.id
      WHERE n.kind <> 'end'`,
    params: [c.generation, ...window, ...waits.params, ...processing.params],
  };
}

/**
 * (node_id, ms) for every interval from the token's latest `from` event to a `to` event inside
 * the window. LAG over the token's events of those types pairs them: a token's `to` event
 * always directly follows the `from` event it is measured from. Only tokens with a `to` event
 * in the window are read, starting from those tokens, through the token history index, which
 * holds every column read here: no lookup into the table per event.
 */
function intervals(c: BuildContext, from: string[], to: string): Statement {
  const types = [...from, to].map((t) => `'${t}'`).join(', ');
  const window = [toDbTime(c.windowStart), toDbTime(c.windowEnd)];
  return {
    sql: `SELECT x.node_id, ${msBetween(c.dialect, 'x.prev_at', 'x.occurred_at')} AS ms
      FROM (
        SELECT e.type, e.node_id, e.occurred_at, LAG(e.occurred_at) OVER (PARTITION BY e.token_id ORDER BY e.id) AS prev_at
        FROM (SELECT DISTINCT token_id FROM token_event ${typedEventsIndex(c.dialect)} WHERE type = '${to}' AND occurred_at >= ? AND occurred_at < ? AND id + 0 <= ?) w
        JOIN token_event e ${tokenHistoryIndex(c.dialect)} ON e.token_id = w.token_id
        WHERE e.type IN (${types}) AND e.id + 0 <= ?
      ) x
      WHERE x.type = '${to}' AND x.occurred_at >= ? AND x.occurred_at < ?`,
    params: [...window, c.watermark, c.watermark, ...window],
  };
}

/**
 * Per team: its open tokens (assigned to the team or to a member), members' completions in
 * the window, active members. Completions are counted per operator first, so the window
 * drives the read rather than each member's whole history (MariaDB's choice otherwise).
 */
function teamWorkload(c: BuildContext): Statement {
  const window = [toDbTime(c.windowStart), toDbTime(c.windowEnd)];
  // the open tokens from the status index, so the open work drives the read: MariaDB otherwise
  // scans the table, or starts from the team index and reads every token ever assigned to a
  // team (bench:scale, MariaDB: 16 ms at 10k events of history, 37 ms at 10M)
  const openTokens = forceIndex(c.dialect, 'idx_token_status');
  return {
    sql: `INSERT INTO mv_team_workload (generation, team_id, team_code, team_name, window_start, window_end,
        tokens_waiting, tokens_in_progress, completed_in_window, operators_on_shift)
      SELECT ?, t.id, t.code, t.name, ?, ?, COALESCE(o.waiting, 0), COALESCE(o.in_progress, 0), COALESCE(k.completed, 0), COALESCE(s.on_shift, 0)
      FROM team t
      LEFT JOIN (
        SELECT team_id, SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END) AS waiting, SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END) AS in_progress
        FROM (
          SELECT assigned_team_id AS team_id, id, status FROM token ${openTokens} WHERE status IN ('waiting', 'in_progress') AND assigned_team_id IS NOT NULL AND ${spawnFinished('job_id')}
          UNION
          SELECT m.team_id, tk.id, tk.status FROM token tk ${openTokens} JOIN team_member m ON m.account_id = tk.assigned_account_id WHERE tk.status IN ('waiting', 'in_progress') AND ${spawnFinished('tk.job_id')}
        ) open_tokens
        GROUP BY team_id
      ) o ON o.team_id = t.id
      LEFT JOIN (
        SELECT m.team_id, SUM(c.completed) AS completed
        FROM (
          SELECT operator_id, COUNT(*) AS completed FROM token_event ${typedEventsIndex(c.dialect)}
          WHERE type = 'completed' AND occurred_at >= ? AND occurred_at < ? AND id + 0 <= ?
          GROUP BY operator_id
        ) c JOIN team_member m ON m.account_id = c.operator_id
        GROUP BY m.team_id
      ) k ON k.team_id = t.id
      LEFT JOIN (
        SELECT m.team_id, COUNT(*) AS on_shift FROM team_member m JOIN account a ON a.id = m.account_id WHERE a.active = 1 GROUP BY m.team_id
      ) s ON s.team_id = t.id`,
    params: [c.generation, ...window, ...window, c.watermark],
  };
}

/** Per product and UTC day of finishing: tokens finished, average, p50 and p90 of spawn-to-finish. */
function cycleTimesChunk(c: BuildContext, chunk: HistoryChunk): Statement {
  const d = c.dialect;
  const range = chunkRange(d, 'f.occurred_at', 'f.id', chunk);
  // correlated lookups, so every database starts from the finished events (MariaDB would
  // otherwise start from job_ticket and walk every token's history)
  const spawnedAt = `(SELECT s.occurred_at FROM token_event s WHERE s.token_id = f.token_id AND s.type = 'spawned' ORDER BY s.id LIMIT 1)`;
  const cycles = `SELECT (SELECT j.product_code FROM token t JOIN job_ticket j ON j.id = t.job_id WHERE t.id = f.token_id) AS product_code,
      ${utcDay(d, 'f.occurred_at')} AS day, ${msBetween(d, spawnedAt, 'f.occurred_at')} AS ms
    FROM token_event f ${range.index}
    WHERE f.type = 'finished' AND f.id + 0 <= ? ${range.sql}`;
  return {
    sql: `INSERT INTO mv_cycle_time_analytics (generation, product_code, day, tokens_finished, avg_cycle_ms, p50_cycle_ms, p90_cycle_ms)
      SELECT ?, product_code, day, measured, avg_ms, p50_ms, p90_ms FROM (${distribution(d, ['product_code', 'day'], cycles, [50, 90])}) r`,
    params: [c.generation, c.watermark, ...range.params],
  };
}

/**
 * Groups `source` (rows of `keys` and `ms`) by `keys`: `measured`, `avg_ms` (half up) and
 * `p<N>_ms` for each percentile. The smallest rank r with 100 r >= p n is ceil(p n / 100),
 * and ranks are in value order, so the least value at or past it is the nearest-rank percentile.
 */
function distribution(d: Dialect, keys: string[], source: string, percentiles: number[]): string {
  const by = keys.join(', ');
  const ranks = percentiles.map((p) => `MIN(CASE WHEN rn * 100 >= n * ${p} THEN ms END) AS p${p}_ms`).join(', ');
  return `SELECT ${by}, COUNT(*) AS measured, ${intDiv(d, '2 * SUM(ms) + COUNT(*)', '2 * COUNT(*)')} AS avg_ms, ${ranks}
    FROM (
      SELECT ${by}, ms, ROW_NUMBER() OVER (PARTITION BY ${by} ORDER BY ms) AS rn, COUNT(*) OVER (PARTITION BY ${by}) AS n
      FROM (${source}) src
    ) ranked
    GROUP BY ${by}`;
}

export function floorTo(date: Date, unitMs: number): Date {
  return new Date(Math.floor(date.getTime() / unitMs) * unitMs);
}

export function ceilTo(date: Date, unitMs: number): Date {
  return new Date(Math.ceil(date.getTime() / unitMs) * unitMs);
}

/** The index events of given types in a stretch of time are read through (a chunk of history, the window). */
function typedEventsIndex(dialect: Dialect): string {
  return forceIndex(dialect, 'idx_token_event_typed');
}

/** The index that holds a token's events in order, with the columns the intervals read. */
function tokenHistoryIndex(dialect: Dialect): string {
  return forceIndex(dialect, 'idx_token_event_token_history');
}
