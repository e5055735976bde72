import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { present } from '../common/present.js';
import { fromDbTime, toDbTime } from '../database/dialect.js';
import { JobStatus } from './entities/job-ticket.entity.js';
import { TokenEventType, TokenStatus } from './entities/token.entity.js';
import type { JobRef } from './production.types.js';
import { JOB_REF_COLUMNS, toJobRef, type JobRefRow } from './job-ref-row.js';
import { spawnFinished } from './token-store.js';

export interface NodeLoadRow {
  nodeId: number;
  nodeCode: string;
  waiting: number;
  inProgress: number;
  finishedSince: number;
}

export interface JobFilters {
  status?: JobStatus;
  productCode?: string;
  dueAfter?: Date;
  dueBefore?: Date;
}

export interface JobProgressRow extends JobRef {
  openTokens: number;
  createdAt: Date;
  updatedAt: Date;
  tokensDone: number;
  tokensScrapped: number;
}

interface JobRow extends JobRefRow {
  open_tokens: number;
  created_at: string | Date;
  updated_at: string | Date;
}

const JOB_FILTER_SQL: Record<keyof JobFilters, string> = {
  status: 'status = ?',
  productCode: 'product_code = ?',
  dueAfter: 'due_at >= ?',
  dueBefore: 'due_at < ?',
};

/**
 * The shop floor's reads of the core tables: what sits at each node of a line now, and how
 * far each job has got. Grouped counts on the token and token_event indexes, so a page
 * polling them costs a few index range scans, whatever the Phase 10 dashboard is doing.
 */
@Injectable()
export class FloorRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every node of the graph, in id order, with its open tokens and the work finished there since `since`; empty when no such graph. */
  async nodeLoads(graphId: number, since: Date): Promise<NodeLoadRow[]> {
    const [nodes, open, finished] = await Promise.all([
      this.dataSource.query<Array<{ id: number; code: string }>>(
        `SELECT id, code FROM graph_node WHERE graph_id = ? ORDER BY id`,
        [graphId],
      ),
      this.dataSource.query<Array<{ node_id: number; status: TokenStatus; n: number | string }>>(
        `SELECT t.current_node_id AS node_id, t.status, COUNT(*) AS n FROM token t JOIN graph_node g ON g.id = t.current_node_id
         WHERE g.graph_id = ? AND t.status IN (?, ?) AND ${spawnFinished('t.job_id')} GROUP BY t.current_node_id, t.status`,
        [graphId, TokenStatus.Waiting, TokenStatus.InProgress],
      ),
      // work done at a node is its `completed` event; arriving at an end node is `finished` there
      this.dataSource.query<Array<{ node_id: number; n: number | string }>>(
        `SELECT e.node_id, COUNT(*) AS n FROM token_event e JOIN graph_node g ON g.id = e.node_id
         WHERE g.graph_id = ? AND e.type IN (?, ?) AND e.occurred_at >= ? GROUP BY e.node_id`,
        [graphId, TokenEventType.Completed, TokenEventType.Finished, toDbTime(since)],
      ),
    ]);
    const loads = new Map<number, NodeLoadRow>(
      nodes.map((n) => [n.id, { nodeId: n.id, nodeCode: n.code, waiting: 0, inProgress: 0, finishedSince: 0 }]),
    );
    // the counts are grouped by nodes of the same graph, each of them in `loads`
    const load = (nodeId: number) => present(loads.get(nodeId), `node #${nodeId}`);
    for (const row of open) {
      if (row.status === TokenStatus.Waiting) load(row.node_id).waiting = Number(row.n);
      else load(row.node_id).inProgress = Number(row.n);
    }
    for (const row of finished) load(row.node_id).finishedSince = Number(row.n);
    return [...loads.values()];
  }

  /** Jobs newest first, at most `limit`, with their done and scrapped token counts. */
  async jobProgress(filters: JobFilters, limit: number): Promise<JobProgressRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, clause] of Object.entries(JOB_FILTER_SQL) as Array<[keyof JobFilters, string]>) {
      const value = filters[key];
      if (value === undefined) continue;
      where.push(clause);
      params.push(value instanceof Date ? toDbTime(value) : value);
    }
    const jobs = await this.dataSource.query<JobRow[]>(
      `SELECT ${JOB_REF_COLUMNS}, open_tokens, created_at, updated_at
       FROM job_ticket ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, limit],
    );
    if (jobs.length === 0) return [];
    const ids = jobs.map((j) => j.id);
    const counts = await this.dataSource.query<Array<{ job_id: number; status: TokenStatus; n: number | string }>>(
      `SELECT job_id, status, COUNT(*) AS n FROM token WHERE job_id IN (${ids.map(() => '?').join(', ')}) AND status IN (?, ?) GROUP BY job_id, status`,
      [...ids, TokenStatus.Done, TokenStatus.Scrapped],
    );
    const count = (jobId: number, status: TokenStatus) =>
      Number(counts.find((c) => c.job_id === jobId && c.status === status)?.n ?? 0);
    return jobs.map((j) => ({
      ...toJobRef(j),
      openTokens: j.open_tokens,
      createdAt: fromDbTime(j.created_at),
      updatedAt: fromDbTime(j.updated_at),
      tokensDone: count(j.id, TokenStatus.Done),
      tokensScrapped: count(j.id, TokenStatus.Scrapped),
    }));
  }
}
