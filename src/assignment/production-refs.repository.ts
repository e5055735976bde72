import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { JobStatus } from '../production/entities/job-ticket.entity.js';
import type { NodeKind } from '../production/entities/production-graph.entity.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { JobRef, NodeRef, TokenRef } from '../production/production.types.js';

type Row = Record<string, unknown>;

export type JobSummary = Pick<JobRef, 'id' | 'code' | 'graphId' | 'quantity' | 'status'>;

/** Open tokens of a job at one node with one assignee (null: none or a team). */
export interface OpenTokenGroup {
  nodeId: number;
  accountId: number | null;
  tokens: number;
  firstId: number;
  /** How many of them have an id up to the one asked for. */
  upTo: number;
}

const TOKEN_COLUMNS =
  't.id, t.serial, t.job_id, t.current_node_id, t.status, t.assigned_account_id, t.assigned_team_id, t.version';

/**
 * Phase 7's reads of the core's jobs, graphs, tokens, accounts and teams (plans, previews,
 * comparisons and the demo seed name them). `db`, where a method takes it, is the caller's
 * transaction; without it the read runs on the pool.
 */
@Injectable()
export class ProductionRefsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async job(db: EntityManager | undefined, jobId: number): Promise<JobSummary | null> {
    const rows = await (db ?? this.dataSource).query<
      Array<{ id: number; code: string; graph_id: number; quantity: number; status: JobStatus }>
    >(`SELECT id, code, graph_id, quantity, status FROM job_ticket WHERE id = ?`, [jobId]);
    const r = rows.at(0);
    return r ? { id: r.id, code: r.code, graphId: r.graph_id, quantity: r.quantity, status: r.status } : null;
  }

  async jobIdByCode(code: string): Promise<number | null> {
    const r = (
      await this.dataSource.query<Array<{ id: number }>>(`SELECT id FROM job_ticket WHERE code = ?`, [code])
    ).at(0);
    return r ? r.id : null;
  }

  /** The graph a node belongs to; null when there is no such node. */
  async graphOfNode(db: EntityManager | undefined, nodeId: number): Promise<number | null> {
    const r = (
      await (db ?? this.dataSource).query<Array<{ graph_id: number }>>(`SELECT graph_id FROM graph_node WHERE id = ?`, [
        nodeId,
      ])
    ).at(0);
    return r ? r.graph_id : null;
  }

  async node(nodeId: number): Promise<NodeRef | null> {
    const rows = await this.dataSource.query<
      Array<{ id: number; graph_id: number; code: string; name: string; kind: NodeKind; station_code: string | null }>
    >(`SELECT id, graph_id, code, name, kind, station_code FROM graph_node WHERE id = ?`, [nodeId]);
    const n = rows.at(0);
    return n
      ? { id: n.id, graphId: n.graph_id, code: n.code, name: n.name, kind: n.kind, stationCode: n.station_code }
      : null;
  }

  async startNodeId(graphId: number): Promise<number> {
    const [start] = await this.dataSource.query<Array<{ id: number }>>(
      `SELECT id FROM graph_node WHERE graph_id = ? AND kind = 'start'`,
      [graphId],
    );
    return start.id;
  }

  /** The nodes of the graph with this code, by id and code. */
  async graphNodes(graphCode: string): Promise<Array<{ id: number; code: string }>> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT n.id, n.code FROM graph_node n JOIN production_graph g ON g.id = n.graph_id WHERE g.code = ?`,
      [graphCode],
    );
    return rows.map((r) => ({ id: Number(r.id), code: String(r.code) }));
  }

  /** A token with the graph of its job; null when there is no such token. */
  async tokenWithGraph(tokenId: number): Promise<{ token: TokenRef; graphId: number } | null> {
    const r = (
      await this.dataSource.query<Row[]>(
        `SELECT ${TOKEN_COLUMNS}, j.graph_id FROM token t JOIN job_ticket j ON j.id = t.job_id WHERE t.id = ?`,
        [tokenId],
      )
    ).at(0);
    return r ? { token: toToken(r), graphId: Number(r.graph_id) } : null;
  }

  /** The lowest and highest token id of the job; null when it has no tokens. */
  async tokenIdRange(jobId: number): Promise<{ first: number; last: number } | null> {
    const [r] = await this.dataSource.query<Array<{ first: number | string | null; last: number | string | null }>>(
      `SELECT MIN(t.id) AS first, MAX(t.id) AS last FROM token t WHERE t.job_id = ?`,
      [jobId],
    );
    return r.first === null || r.last === null ? null : { first: Number(r.first), last: Number(r.last) };
  }

  /**
   * The job's waiting and in-progress tokens with an id from `fromId` to `toId`, counted per
   * node and assignee, with each group's first id and how many of it have an id up to
   * `upToId`: a comparison's picture of a range of the job in a few rows. The range bounds the
   * rows read (SQLite answers in the event loop's thread).
   */
  async openTokenGroups(jobId: number, fromId: number, toId: number, upToId: number): Promise<OpenTokenGroup[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT t.current_node_id, t.assigned_account_id, COUNT(*) AS tokens, MIN(t.id) AS first_id,
         SUM(CASE WHEN t.id <= ? THEN 1 ELSE 0 END) AS up_to
       FROM token t WHERE t.job_id = ? AND t.id BETWEEN ? AND ? AND t.status IN (?, ?)
       GROUP BY t.current_node_id, t.assigned_account_id`,
      [upToId, jobId, fromId, toId, TokenStatus.Waiting, TokenStatus.InProgress],
    );
    return rows.map((r) => ({
      nodeId: Number(r.current_node_id),
      accountId: r.assigned_account_id === null ? null : Number(r.assigned_account_id),
      tokens: Number(r.tokens),
      firstId: Number(r.first_id),
      upTo: Number(r.up_to),
    }));
  }

  /** At most `limit` of the job's waiting and in-progress tokens with an id above `afterId`, by id. */
  async openTokensAfter(jobId: number, afterId: number, limit: number): Promise<TokenRef[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${TOKEN_COLUMNS} FROM token t WHERE t.job_id = ? AND t.status IN (?, ?) AND t.id > ? ORDER BY t.id LIMIT ?`,
      [jobId, TokenStatus.Waiting, TokenStatus.InProgress, afterId, limit],
    );
    return rows.map(toToken);
  }

  /** Account ids by code, for the codes that exist. */
  async accountIds(codes: readonly string[]): Promise<Map<string, number>> {
    if (codes.length === 0) return new Map();
    const rows: Row[] = await this.dataSource.query(
      `SELECT id, code FROM account WHERE code IN (${codes.map(() => '?').join(', ')})`,
      [...codes],
    );
    return new Map(rows.map((r) => [String(r.code), Number(r.id)]));
  }

  async teamId(code: string): Promise<number | null> {
    const r = (await this.dataSource.query<Array<{ id: number }>>(`SELECT id FROM team WHERE code = ?`, [code])).at(0);
    return r ? r.id : null;
  }
}

function toToken(r: Row): TokenRef {
  const id = (v: unknown) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    serial: String(r.serial),
    jobId: Number(r.job_id),
    currentNodeId: Number(r.current_node_id),
    status: r.status as TokenStatus,
    assignedAccountId: id(r.assigned_account_id),
    assignedTeamId: id(r.assigned_team_id),
    version: Number(r.version),
  };
}
