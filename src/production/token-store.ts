import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import {
  dialectOf,
  execute,
  fromDbTime,
  insertChunkRows,
  toDbTime,
  updateGuardedRows,
  type GuardedRow,
} from '../database/dialect.js';
import { JobStatus } from './entities/job-ticket.entity.js';
import { JobRepository } from './job.repository.js';
import { TokenEventType, TokenStatus } from './entities/token.entity.js';
import type { Assignment, JobRef, TokenRef } from './production.types.js';

/** A token with its job, as read at the start of a move. */
export interface TokenState {
  token: TokenRef;
  job: JobRef;
}

export interface EventDraft {
  tokenId: number;
  type: TokenEventType;
  nodeId: number | null;
  operatorId: number | null;
  occurredAt: Date;
  payload?: Record<string, unknown> | null;
}

export interface TokenChange {
  nodeId: number;
  status: TokenStatus;
  assignment: Assignment;
}

const OPEN = [TokenStatus.Waiting, TokenStatus.InProgress];
/**
 * The status of a token whose spawn has not inserted them all yet: no read of open work counts
 * it. Not a TokenStatus: a client never sees it. publishSpawned then makes the tokens waiting,
 * in batches, while their job is still released.
 */
const UNPUBLISHED = 'spawning';
/**
 * Whether the token `t` of the job `j` is there for clients: a released job has no tokens but
 * those of a spawn not finished, which its last transaction shows all at once by moving the
 * job to in_progress.
 */
export const PUBLISHED = `t.status <> '${UNPUBLISHED}' AND j.status <> '${JobStatus.Released}'`;
/**
 * Whether a token, by its job id column, is past its job's spawn. A released job's tokens are
 * those of a spawn still inserting or publishing them (made waiting 10,000 per transaction):
 * counts of open work must not see some of them, since the spawn's last transaction shows them
 * all at once by moving the job to in_progress. The released jobs are read once per statement,
 * through idx_job_ticket_status.
 */
export function spawnFinished(jobIdColumn: string): string {
  return `${jobIdColumn} NOT IN (SELECT rj.id FROM job_ticket rj WHERE rj.status = '${JobStatus.Released}')`;
}
const SELECT_STATE = `SELECT t.id, t.serial, t.job_id, t.current_node_id, t.status, t.assigned_account_id, t.assigned_team_id, t.version,
  j.code AS job_code, j.graph_id, j.product_code, j.quantity, j.priority, j.status AS job_status, j.due_at
  FROM token t JOIN job_ticket j ON j.id = t.job_id`;

/**
 * Reads and writes token rows. Every move is one conditional UPDATE on the version read
 * before it, so of two replicas moving the same token exactly one changes a row; the other
 * gets 409 CONCURRENT_UPDATE and its transaction, events included, rolls back. A token that
 * leaves the open states closes one of its job's open_tokens in the same transaction.
 */
@Injectable()
export class TokenStore {
  private readonly moves: Counter;

  constructor(
    private readonly jobs: JobRepository,
    metrics: MetricsService,
  ) {
    this.moves = metrics.counter(
      'production_token_moves_total',
      'Accepted token moves by the status they leave the token in',
      ['status'],
    );
  }

  async load(manager: EntityManager, tokenId: number, expectedVersion?: number): Promise<TokenState> {
    const row = (await manager.query<StateRow[]>(`${SELECT_STATE} WHERE t.id = ? AND ${PUBLISHED}`, [tokenId])).at(0);
    if (!row) throw DomainError.notFound('Token', tokenId);
    return checked(toState(row), expectedVersion);
  }

  async loadBySerial(manager: EntityManager, serial: string): Promise<TokenState> {
    const row = (await manager.query<StateRow[]>(`${SELECT_STATE} WHERE t.serial = ? AND ${PUBLISHED}`, [serial])).at(
      0,
    );
    if (!row) throw DomainError.notFound('Token', serial);
    return toState(row);
  }

  /**
   * Applies `change` if nobody moved the token since it was read, then records `events`.
   * `alongside` are rows another module changes with this move, each on its own guard, in the
   * token's own statement where the database allows (see updateGuardedRows): a miss of any
   * of them is a concurrent change, as a miss of the token is.
   */
  async move(
    manager: EntityManager,
    state: TokenState,
    change: TokenChange,
    events: EventDraft[],
    now: Date,
    alongside: readonly GuardedRow[] = [],
  ): Promise<TokenRef> {
    const { token } = state;
    const row: GuardedRow = {
      table: 'token',
      set: {
        current_node_id: change.nodeId,
        status: change.status,
        assigned_account_id: change.assignment.accountId,
        assigned_team_id: change.assignment.teamId,
        version: token.version + 1,
        updated_at: toDbTime(now),
      },
      where: { id: token.id, version: token.version },
    };
    if (!(await updateGuardedRows(manager, [row, ...alongside]))) throw concurrentUpdate(token);
    await this.insertEvents(manager, events);
    if (!OPEN.includes(change.status) && OPEN.includes(token.status))
      await this.jobs.closeOneToken(manager, state.job.id, now);
    this.moves.inc({ status: change.status });
    return {
      ...token,
      currentNodeId: change.nodeId,
      status: change.status,
      assignedAccountId: change.assignment.accountId,
      assignedTeamId: change.assignment.teamId,
      version: token.version + 1,
    };
  }

  /** Batched multi-row inserts, chunked to the dialect's parameter limit. */
  async insertEvents(manager: EntityManager, events: readonly EventDraft[]): Promise<void> {
    const chunk = insertChunkRows(dialectOf(manager), 6);
    for (let i = 0; i < events.length; i += chunk) {
      const rows = events.slice(i, i + chunk);
      const params: unknown[] = [];
      for (const e of rows)
        params.push(
          e.tokenId,
          e.type,
          e.nodeId,
          e.operatorId,
          toDbTime(e.occurredAt),
          e.payload ? JSON.stringify(e.payload) : null,
        );
      await manager.query(
        `INSERT INTO token_event (token_id, type, node_id, operator_id, occurred_at, payload) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        params,
      );
    }
  }

  /**
   * Inserts a batch of the job's new tokens at `nodeId`, unpublished, in serial order; returns
   * them as they will be once published (waiting at version 1). `afterId` is the last id of
   * the job's previous batch: only the spawn holding the job's lease inserts its tokens.
   */
  async insertSpawning(
    manager: EntityManager,
    jobId: number,
    nodeId: number,
    serials: readonly string[],
    afterId: number,
    now: Date,
  ): Promise<TokenRef[]> {
    const at = toDbTime(now);
    const chunk = insertChunkRows(dialectOf(manager), 7);
    for (let first = 0; first < serials.length; first += chunk) {
      const part = serials.slice(first, first + chunk);
      const params: unknown[] = [];
      for (const serial of part) params.push(serial, jobId, nodeId, UNPUBLISHED, 1, at, at);
      await manager.query(
        `INSERT INTO token (serial, job_id, current_node_id, status, version, created_at, updated_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        params,
      );
    }
    const rows = await manager.query<Array<{ id: number; serial: string }>>(
      `SELECT id, serial FROM token WHERE job_id = ? AND id > ? ORDER BY id`,
      [jobId, afterId],
    );
    return rows.map((t) => ({
      id: t.id,
      serial: t.serial,
      jobId,
      currentNodeId: nodeId,
      status: TokenStatus.Waiting,
      assignedAccountId: null,
      assignedTeamId: null,
      version: 1,
    }));
  }

  /** Makes the job's unpublished tokens up to id `throughId` waiting; returns how many. */
  publishSpawned(manager: EntityManager, jobId: number, throughId: number): Promise<number> {
    return execute(manager, `UPDATE token SET status = ? WHERE job_id = ? AND status = ? AND id <= ?`, [
      TokenStatus.Waiting,
      jobId,
      UNPUBLISHED,
      throughId,
    ]);
  }

  /**
   * Deletes up to `limit` of the job's tokens, with their events, that a spawn inserted but
   * never showed: unpublished or waiting while the job was not moved to in_progress (a job
   * cancelled in progress has only scrapped and done tokens left); returns their ids.
   */
  async removeSpawnedOf(manager: EntityManager, jobId: number, limit: number): Promise<number[]> {
    const ids = (
      await manager.query<Array<{ id: number }>>(
        `SELECT t.id FROM token t JOIN job_ticket j ON j.id = t.job_id
         WHERE t.job_id = ? AND t.status IN (?, ?) AND j.status NOT IN (?, ?) LIMIT ?`,
        [jobId, UNPUBLISHED, TokenStatus.Waiting, JobStatus.InProgress, JobStatus.Done, limit],
      )
    ).map((t) => t.id);
    if (ids.length === 0) return [];
    const list = ids.map(() => '?').join(', ');
    await manager.query(`DELETE FROM token_event WHERE token_id IN (${list})`, ids);
    await manager.query(`DELETE FROM token WHERE id IN (${list})`, ids);
    return ids;
  }

  /**
   * Writes the assignments of a batch of a job's freshly spawned tokens (consecutive ids of
   * the job). A manual plan gives every token the same assignment: one UPDATE by job and id
   * range. An automatic one spreads them over many operators:
   * still one UPDATE (per parameter-limit chunk), each token's assignment picked by CASE on its
   * id, rather than a round trip per operator.
   */
  async assignSpawned(
    manager: EntityManager,
    jobId: number,
    tokens: readonly TokenRef[],
    assignments: readonly Assignment[],
  ): Promise<void> {
    const assigned = tokens
      .map((t, i) => ({ id: t.id, a: assignments[i] }))
      .filter(({ a }) => a.accountId !== null || a.teamId !== null);
    if (assigned.length === 0) return;
    const first = assigned[0].a;
    if (
      assigned.length === tokens.length &&
      assigned.every(({ a }) => a.accountId === first.accountId && a.teamId === first.teamId)
    ) {
      await manager.query(
        `UPDATE token SET assigned_account_id = ?, assigned_team_id = ? WHERE job_id = ? AND id BETWEEN ? AND ?`,
        [first.accountId, first.teamId, jobId, tokens[0].id, tokens[tokens.length - 1].id],
      );
      return;
    }
    const chunk = insertChunkRows(dialectOf(manager), 5);
    for (let i = 0; i < assigned.length; i += chunk) {
      const part = assigned.slice(i, i + chunk);
      const cases = part.map(() => 'WHEN ? THEN ?').join(' ');
      await manager.query(
        `UPDATE token SET assigned_account_id = CASE id ${cases} END, assigned_team_id = CASE id ${cases} END WHERE id IN (${part.map(() => '?').join(', ')})`,
        [
          ...part.flatMap(({ id, a }) => [id, a.accountId]),
          ...part.flatMap(({ id, a }) => [id, a.teamId]),
          ...part.map(({ id }) => id),
        ],
      );
    }
  }

  /** The job's waiting and in-progress tokens, in id order. */
  async openTokensOf(manager: EntityManager, jobId: number): Promise<Array<{ id: number; currentNodeId: number }>> {
    const rows = await manager.query<Array<{ id: number; current_node_id: number }>>(
      `SELECT id, current_node_id FROM token WHERE job_id = ? AND status IN (?, ?) ORDER BY id`,
      [jobId, ...OPEN],
    );
    return rows.map((t) => ({ id: t.id, currentNodeId: t.current_node_id }));
  }

  /** Scraps every open token of the job at once; returns how many it scrapped. */
  scrapOpenTokens(manager: EntityManager, jobId: number, now: Date): Promise<number> {
    return execute(
      manager,
      `UPDATE token SET status = ?, version = version + 1, updated_at = ? WHERE job_id = ? AND status IN (?, ?)`,
      [TokenStatus.Scrapped, toDbTime(now), jobId, ...OPEN],
    );
  }
}

export function concurrentUpdate(token: { id: number; version: number }): DomainError {
  return new DomainError(
    ErrorCode.ConcurrentUpdate,
    `Token ${token.id} was changed concurrently (version ${token.version} is stale); reload and retry`,
    {
      tokenId: token.id,
    },
  );
}

function checked(state: TokenState, expectedVersion: number | undefined): TokenState {
  if (expectedVersion !== undefined && expectedVersion !== state.token.version) {
    throw new DomainError(
      ErrorCode.ConcurrentUpdate,
      `Token ${state.token.id} is at version ${state.token.version}, not ${expectedVersion}; reload and retry`,
      {
        tokenId: state.token.id,
        version: state.token.version,
      },
    );
  }
  return state;
}

/** A row of SELECT_STATE. */
interface StateRow {
  id: number;
  serial: string;
  job_id: number;
  current_node_id: number;
  status: TokenStatus;
  assigned_account_id: number | null;
  assigned_team_id: number | null;
  version: number;
  job_code: string;
  graph_id: number;
  product_code: string;
  quantity: number;
  priority: number;
  job_status: JobStatus;
  due_at: string | Date | null;
}

function toState(r: StateRow): TokenState {
  return {
    token: {
      id: r.id,
      serial: r.serial,
      jobId: r.job_id,
      currentNodeId: r.current_node_id,
      status: r.status,
      assignedAccountId: r.assigned_account_id,
      assignedTeamId: r.assigned_team_id,
      version: r.version,
    },
    job: {
      id: r.job_id,
      code: r.job_code,
      graphId: r.graph_id,
      productCode: r.product_code,
      quantity: r.quantity,
      priority: r.priority,
      status: r.job_status,
      dueAt: fromDbTime(r.due_at),
    },
  };
}
