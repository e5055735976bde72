import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fromDbTime } from '../database/dialect.js';
import type { TokenEventType, TokenStatus } from './entities/token.entity.js';
import { PUBLISHED } from './token-store.js';

export interface TokenFilters {
  jobId?: number;
  status?: TokenStatus;
  nodeId?: number;
  operatorId?: number;
  teamId?: number;
}

export interface TokenRow {
  id: number;
  serial: string;
  jobId: number;
  jobCode: string;
  nodeId: number;
  nodeCode: string;
  status: TokenStatus;
  assignedOperatorId: number | null;
  assignedTeamId: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface TokenEventRow {
  id: number;
  type: TokenEventType;
  nodeId: number | null;
  nodeCode: string | null;
  operatorId: number | null;
  occurredAt: Date;
  payload: Record<string, unknown> | null;
}

const FILTER_COLUMNS: Record<keyof TokenFilters, string> = {
  jobId: 't.job_id',
  status: 't.status',
  nodeId: 't.current_node_id',
  operatorId: 't.assigned_account_id',
  teamId: 't.assigned_team_id',
};

const SELECT_TOKENS = `SELECT t.id, t.serial, t.job_id, j.code AS job_code, t.current_node_id, n.code AS node_code, t.status,
  t.assigned_account_id, t.assigned_team_id, t.version, t.created_at, t.updated_at
  FROM token t JOIN job_ticket j ON j.id = t.job_id JOIN graph_node n ON n.id = t.current_node_id`;

/** Tokens as the API reads them: filtered pages in id order, and one token with its history. */
@Injectable()
export class TokenListRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** At most `limit` tokens matching `filters` with ids above `afterId`, in id order. */
  async page(filters: TokenFilters, limit: number, afterId?: number): Promise<TokenRow[]> {
    const where = [PUBLISHED];
    const params: unknown[] = [];
    for (const [key, column] of Object.entries(FILTER_COLUMNS) as Array<[keyof TokenFilters, string]>) {
      if (filters[key] === undefined) continue;
      where.push(`${column} = ?`);
      params.push(filters[key]);
    }
    if (afterId !== undefined) {
      where.push('t.id > ?');
      params.push(afterId);
    }
    const rows = await this.dataSource.query<TokenListRow[]>(
      `${SELECT_TOKENS} WHERE ${where.join(' AND ')} ORDER BY t.id LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toRow);
  }

  async find(id: number): Promise<TokenRow | null> {
    const row = (
      await this.dataSource.query<TokenListRow[]>(`${SELECT_TOKENS} WHERE t.id = ? AND ${PUBLISHED}`, [id])
    ).at(0);
    return row ? toRow(row) : null;
  }

  /** The token's events in the order they happened. */
  async history(id: number): Promise<TokenEventRow[]> {
    const events = await this.dataSource.query<
      Array<{
        id: number;
        type: TokenEventType;
        node_id: number | null;
        node_code: string | null;
        operator_id: number | null;
        occurred_at: string | Date;
        payload: string | null;
      }>
    >(
      `SELECT e.id, e.type, e.node_id, n.code AS node_code, e.operator_id, e.occurred_at, e.payload
       FROM token_event e LEFT JOIN graph_node n ON n.id = e.node_id WHERE e.token_id = ? ORDER BY e.id`,
      [id],
    );
    return events.map((e) => ({
      id: e.id,
      type: e.type,
      nodeId: e.node_id,
      nodeCode: e.node_code,
      operatorId: e.operator_id,
      occurredAt: fromDbTime(e.occurred_at),
      payload: e.payload ? (JSON.parse(e.payload) as Record<string, unknown>) : null,
    }));
  }
}

/** A row of SELECT_TOKENS. */
interface TokenListRow {
  id: number;
  serial: string;
  job_id: number;
  job_code: string;
  current_node_id: number;
  node_code: string;
  status: TokenStatus;
  assigned_account_id: number | null;
  assigned_team_id: number | null;
  version: number;
  created_at: string | Date;
  updated_at: string | Date;
}

function toRow(r: TokenListRow): TokenRow {
  return {
    id: r.id,
    serial: r.serial,
    jobId: r.job_id,
    jobCode: r.job_code,
    nodeId: r.current_node_id,
    nodeCode: r.node_code,
    status: r.status,
    assignedOperatorId: r.assigned_account_id,
    assignedTeamId: r.assigned_team_id,
    version: r.version,
    createdAt: fromDbTime(r.created_at),
    updatedAt: fromDbTime(r.updated_at),
  };
}
