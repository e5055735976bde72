import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { dialectOf, execute, insertChunkRows, isUniqueViolation, toDbTime } from '../database/dialect.js';
import { AccountsService } from './accounts.service.js';
import { assertOpen, DagRoutingService, type MovedToken } from './dag-routing.service.js';
import { JobStatus } from './entities/job-ticket.entity.js';
import { TokenEventType, TokenStatus } from './entities/token.entity.js';
import { GraphTopologyCache } from './graph-topology.js';
import { NodeAssignmentService } from './node-assignment.service.js';
import type { Assignment, JobRef, TokenRef } from './production.types.js';
import { TokenStore, type EventDraft, type TokenState } from './token-store.js';
import { inTransaction } from '../database/transaction.js';

export interface MoveInput {
  operatorCode?: string;
  expectedVersion?: number;
}

export interface SpawnResult {
  jobId: number;
  spawned: number;
  firstSerial: string;
  lastSerial: string;
}

/** Token serial: job code and a zero-padded number, printable as a Code 128 barcode. */
export function tokenSerial(jobCode: string, index: number, quantity: number): string {
  return `${jobCode}-${String(index).padStart(Math.max(4, String(quantity).length), '0')}`;
}

/** A token's life at a node: spawned at the start, started, completed (and routed on), scrapped. */
@Injectable()
export class TokenLifecycleService {
  private readonly logger = new Logger(TokenLifecycleService.name);
  private readonly spawned;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TokenStore,
    private readonly topologies: GraphTopologyCache,
    private readonly assignment: NodeAssignmentService,
    private readonly routing: DagRoutingService,
    private readonly accounts: AccountsService,
    metrics: MetricsService,
  ) {
    this.spawned = metrics.counter('production_tokens_spawned_total', 'Tokens spawned');
  }

  /**
   * Creates the job's `quantity` tokens at the start node in one transaction: batched
   * inserts, assignment through NodeAssignmentService, batched events. The job moves from
   * released to in_progress by a conditional UPDATE first, so a second spawn, even a
   * concurrent one on another replica, gets 409 ALREADY_SPAWNED (the unique serial backs it up).
   */
  async spawnTokens(jobId: number): Promise<SpawnResult> {
    const result = await inTransaction(this.dataSource, (em) => this.spawnWithin(em, jobId)).catch((error) => {
      if (isUniqueViolation(error)) throw alreadySpawned(jobId);
      throw error;
    });
    this.spawned.inc(result.spawned);
    this.logger.log({ msg: 'tokens spawned', jobId, count: result.spawned });
    return result;
  }

  private async spawnWithin(em: EntityManager, jobId: number): Promise<SpawnResult> {
    const [row] = await em.query(`SELECT id, code, graph_id, product_code, quantity, priority, status, due_at FROM job_ticket WHERE id = ?`, [jobId]);
    if (!row) throw DomainError.notFound('Job', jobId);
    const job: JobRef = { id: Number(row.id), code: row.code, graphId: Number(row.graph_id), productCode: row.product_code, quantity: Number(row.quantity), priority: Number(row.priority), status: row.status, dueAt: null };
    const now = new Date();
    const claimed = await execute(em, `UPDATE job_ticket SET status = ?, open_tokens = quantity, updated_at = ? WHERE id = ? AND status = ?`, [
      JobStatus.InProgress,
      toDbTime(now),
      jobId,
      JobStatus.Released,
    ]);
    if (claimed !== 1) {
      if (job.status === JobStatus.InProgress || job.status === JobStatus.Done || job.status === JobStatus.Released) throw alreadySpawned(jobId);
      throw new DomainError(ErrorCode.InvalidState, `Job ${job.code} is ${job.status}; release it before spawning`, { jobId, status: job.status });
    }
    const start = (await this.topologies.get(em, job.graphId)).start;

    const at = toDbTime(now);
    const chunk = insertChunkRows(dialectOf(em), 7);
    for (let first = 1; first <= job.quantity; first += chunk) {
      const count = Math.min(chunk, job.quantity - first + 1);
      const params: unknown[] = [];
      for (let i = first; i < first + count; i++) params.push(tokenSerial(job.code, i, job.quantity), jobId, start.id, TokenStatus.Waiting, 1, at, at);
      await em.query(
        `INSERT INTO token (serial, job_id, current_node_id, status, version, created_at, updated_at) VALUES ${Array(count).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        params,
      );
    }
    const ids: Array<{ id: number; serial: string }> = await em.query(`SELECT id, serial FROM token WHERE job_id = ? ORDER BY id`, [jobId]);
    const tokens: TokenRef[] = ids.map((t) => ({
      id: Number(t.id),
      serial: t.serial,
      jobId,
      currentNodeId: start.id,
      status: TokenStatus.Waiting,
      assignedAccountId: null,
      assignedTeamId: null,
      version: 1,
    }));
    const decision = await this.assignment.assign(tokens, start, job, em);
    await this.writeAssignments(em, jobId, tokens, decision.assignments);

    const events: EventDraft[] = [];
    tokens.forEach((t, i) => {
      events.push({ tokenId: t.id, type: TokenEventType.Spawned, nodeId: start.id, operatorId: null, occurredAt: now });
      const a = decision.assignments[i];
      if (a.accountId !== null || a.teamId !== null) {
        events.push({ tokenId: t.id, type: TokenEventType.Assigned, nodeId: start.id, operatorId: a.accountId, occurredAt: now, payload: { accountId: a.accountId, teamId: a.teamId, path: decision.path } });
      }
    });
    await this.store.insertEvents(em, events);
    return { jobId, spawned: tokens.length, firstSerial: tokens[0]?.serial ?? '', lastSerial: tokens.at(-1)?.serial ?? '' };
  }

  /**
   * A manual plan gives every token the same assignment: one UPDATE by job. An automatic one
   * spreads them over many operators: still one UPDATE (per parameter-limit chunk), each
   * token's assignment picked by CASE on its id, rather than a round trip per operator.
   */
  private async writeAssignments(em: EntityManager, jobId: number, tokens: TokenRef[], assignments: Assignment[]): Promise<void> {
    const assigned = tokens.map((t, i) => ({ id: t.id, a: assignments[i] })).filter(({ a }) => a.accountId !== null || a.teamId !== null);
    if (assigned.length === 0) return;
    const first = assigned[0].a;
    if (assigned.length === tokens.length && assigned.every(({ a }) => a.accountId === first.accountId && a.teamId === first.teamId)) {
      await em.query(`UPDATE token SET assigned_account_id = ?, assigned_team_id = ? WHERE job_id = ?`, [first.accountId, first.teamId, jobId]);
      return;
    }
    const chunk = insertChunkRows(dialectOf(em), 5);
    for (let i = 0; i < assigned.length; i += chunk) {
      const part = assigned.slice(i, i + chunk);
      const cases = part.map(() => 'WHEN ? THEN ?').join(' ');
      await em.query(
        `UPDATE token SET assigned_account_id = CASE id ${cases} END, assigned_team_id = CASE id ${cases} END WHERE id IN (${part.map(() => '?').join(', ')})`,
        [...part.flatMap(({ id, a }) => [id, a.accountId]), ...part.flatMap(({ id, a }) => [id, a.teamId]), ...part.map(({ id }) => id)],
      );
    }
  }

  /** waiting -> in_progress at the current node. */
  start(tokenId: number, input: MoveInput = {}): Promise<MovedToken> {
    return this.act(tokenId, input, (em, state, operatorId, now) => this.startWithin(em, state, operatorId, now));
  }

  async startWithin(em: EntityManager, state: TokenState, operatorId: number | null, now: Date): Promise<MovedToken> {
    const { token, job } = state;
    if (token.status !== TokenStatus.Waiting) throw wrongStatus(token, 'waiting', 'start');
    const topology = await this.topologies.get(em, job.graphId);
    const moved = await this.store.move(
      em,
      state,
      { nodeId: token.currentNodeId, status: TokenStatus.InProgress, assignment: { accountId: token.assignedAccountId, teamId: token.assignedTeamId } },
      [{ tokenId: token.id, type: TokenEventType.Started, nodeId: token.currentNodeId, operatorId, occurredAt: now }],
      now,
    );
    return { token: moved, node: topology.node(token.currentNodeId), job, at: now };
  }

  /** Completes the work at the current node and routes the token on by `outcome` (see DagRoutingService). */
  complete(tokenId: number, input: MoveInput & { outcome?: string } = {}): Promise<MovedToken> {
    return this.act(tokenId, input, (em, state, operatorId, now) => this.completeWithin(em, state, input.outcome, operatorId, now));
  }

  async completeWithin(em: EntityManager, state: TokenState, outcome: string | undefined, operatorId: number | null, now: Date): Promise<MovedToken> {
    const { token, job } = state;
    if (token.status !== TokenStatus.InProgress) throw wrongStatus(token, 'in_progress', 'complete');
    const topology = await this.topologies.get(em, job.graphId);
    const edge = topology.edgeFrom(token.currentNodeId, outcome);
    const completed: EventDraft = { tokenId: token.id, type: TokenEventType.Completed, nodeId: token.currentNodeId, operatorId, occurredAt: now, payload: { outcome: edge.outcome } };
    return this.routing.moveAlong(em, state, topology, edge, { operatorId, now, preceding: [completed] });
  }

  /** Takes a waiting or in-progress token out of production. */
  scrap(tokenId: number, input: MoveInput & { reason: string }): Promise<MovedToken> {
    return this.act(tokenId, input, async (em, state, operatorId, now) => {
      const { token, job } = state;
      assertOpen(token);
      const topology = await this.topologies.get(em, job.graphId);
      const moved = await this.store.move(
        em,
        state,
        { nodeId: token.currentNodeId, status: TokenStatus.Scrapped, assignment: { accountId: token.assignedAccountId, teamId: token.assignedTeamId } },
        [{ tokenId: token.id, type: TokenEventType.Scrapped, nodeId: token.currentNodeId, operatorId, occurredAt: now, payload: { reason: input.reason } }],
        now,
      );
      return { token: moved, node: topology.node(token.currentNodeId), job, at: now };
    });
  }

  private async act(
    tokenId: number,
    input: MoveInput,
    work: (em: EntityManager, state: TokenState, operatorId: number | null, now: Date) => Promise<MovedToken>,
  ): Promise<MovedToken> {
    return inTransaction(this.dataSource, async (em) => {
      const state = await this.store.load(em, tokenId, input.expectedVersion);
      const operatorId = input.operatorCode ? await this.accounts.operatorId(em, input.operatorCode) : null;
      return work(em, state, operatorId, new Date());
    });
  }
}

function alreadySpawned(jobId: number): DomainError {
  return new DomainError(ErrorCode.AlreadySpawned, `Job ${jobId} has already been spawned`, { jobId });
}

function wrongStatus(token: TokenRef, needed: string, action: string): DomainError {
  return new DomainError(ErrorCode.InvalidState, `Token ${token.serial} is ${token.status}; it must be ${needed} to ${action}`, {
    tokenId: token.id,
    status: token.status,
  });
}
