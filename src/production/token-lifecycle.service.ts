import { yieldToEventLoop } from '../common/yield-to-event-loop.js';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { isUniqueViolation, type GuardedRow } from '../database/dialect.js';
import { AccountsService } from './accounts.service.js';
import { assertOpen, DagRoutingService, type MovedToken } from './dag-routing.service.js';
import { JobStatus } from './entities/job-ticket.entity.js';
import { TokenEventType, TokenStatus } from './entities/token.entity.js';
import { GraphTopologyCache } from './graph-topology.js';
import { NodeAssignmentService } from './node-assignment.service.js';
import { JobRepository } from './job.repository.js';
import type { JobRef, NodeRef, TokenRef } from './production.types.js';
import { SpawnLease } from './spawn-lease.js';
import { TokenStore, type EventDraft, type TokenState } from './token-store.js';
import { inTransaction } from '../database/transaction.js';

/**
 * Tokens per spawn transaction. On SQLite a transaction holds the one connection: a batch
 * with automatic assignment and its events stays well under the 250 ms the gate allows.
 */
const SPAWN_BATCH = 1000;
/** Spawn batches made waiting per transaction: one UPDATE of 10,000 rows and their status indexes. */
const PUBLISH_BATCHES = 10;

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
    private readonly jobs: JobRepository,
    private readonly topologies: GraphTopologyCache,
    private readonly assignment: NodeAssignmentService,
    private readonly routing: DagRoutingService,
    private readonly accounts: AccountsService,
    private readonly spawnLease: SpawnLease,
    metrics: MetricsService,
  ) {
    this.spawned = metrics.counter('production_tokens_spawned_total', 'Tokens spawned');
  }

  /**
   * Creates the job's `quantity` tokens at the start node in batches of SPAWN_BATCH, each its
   * own short transaction (batched inserts, assignment through NodeAssignmentService, batched
   * events), yielding to the event loop between them, so a large job holds up no other request
   * (on SQLite, the connection) for long. Clients see all of it or nothing: the tokens stay
   * unpublished (see TokenStore), then are made waiting in batches of PUBLISH_BATCHES while the
   * job is still released, and the last transaction moves the job to in_progress. A spawn
   * that fails removes what it inserted; one cut off by a crash is removed by the next. The
   * job's spawn lease makes a concurrent second spawn, on any replica, a 409 ALREADY_SPAWNED.
   */
  async spawnTokens(jobId: number): Promise<SpawnResult> {
    const held = await this.spawnLease.hold(jobId, () => this.spawnInBatches(jobId));
    if (!held.acquired) throw new DomainError(ErrorCode.AlreadySpawned, `Job ${jobId} is being spawned`, { jobId });
    this.spawned.inc(held.value.spawned);
    this.logger.log({ msg: 'tokens spawned', jobId, count: held.value.spawned });
    return held.value;
  }

  private async spawnInBatches(jobId: number): Promise<SpawnResult> {
    const { job, start } = await inTransaction(this.dataSource, async (em) => {
      const job = await this.jobs.ref(em, jobId);
      if (!job) throw DomainError.notFound('Job', jobId);
      if (job.status === JobStatus.InProgress || job.status === JobStatus.Done) throw alreadySpawned(jobId);
      if (job.status !== JobStatus.Released)
        throw new DomainError(ErrorCode.InvalidState, `Job ${job.code} is ${job.status}; release it before spawning`, {
          jobId,
          status: job.status,
        });
      return { job, start: (await this.topologies.get(em, job.graphId)).start };
    });
    await this.removeSpawned(jobId);
    const now = new Date();
    const serials = Array.from({ length: job.quantity }, (_, i) => tokenSerial(job.code, i + 1, job.quantity));
    try {
      const ends: number[] = [];
      for (let first = 0; first < serials.length; first += SPAWN_BATCH) {
        const batch = serials.slice(first, first + SPAWN_BATCH);
        const afterId = ends.at(-1) ?? 0;
        ends.push(await inTransaction(this.dataSource, (em) => this.spawnBatch(em, job, start, batch, afterId, now)));
        await yieldToEventLoop();
      }
      let published = 0;
      for (let i = PUBLISH_BATCHES - 1; i < ends.length - 1; i += PUBLISH_BATCHES) {
        published += await inTransaction(this.dataSource, (em) => this.store.publishSpawned(em, jobId, ends[i]));
        await yieldToEventLoop();
      }
      await inTransaction(this.dataSource, async (em) => {
        published += await this.store.publishSpawned(em, jobId, ends.at(-1) ?? 0);
        if (published !== job.quantity)
          throw new Error(`Job ${job.code}: ${published} of ${job.quantity} tokens spawned`);
        if (!(await this.jobs.claimForSpawn(em, jobId, now)))
          throw new DomainError(
            ErrorCode.ConcurrentUpdate,
            `Job ${job.code} changed during its spawn; nothing was spawned`,
            {
              jobId,
            },
          );
      });
    } catch (error) {
      await this.removeSpawned(jobId);
      if (isUniqueViolation(error))
        throw new DomainError(
          ErrorCode.Conflict,
          `A serial of job ${job.code} (${serials[0]} to ${serials.at(-1)}) is already another token's; nothing was spawned`,
          { jobId },
        );
      throw error;
    }
    return { jobId, spawned: job.quantity, firstSerial: serials[0] ?? '', lastSerial: serials.at(-1) ?? '' };
  }

  /** Inserts, assigns and records one batch of unpublished tokens; returns the last one's id. */
  private async spawnBatch(
    em: EntityManager,
    job: JobRef,
    start: NodeRef,
    serials: readonly string[],
    afterId: number,
    now: Date,
  ): Promise<number> {
    const tokens = await this.store.insertSpawning(em, job.id, start.id, serials, afterId, now);
    const decision = await this.assignment.assign(tokens, start, job, em);
    await this.store.assignSpawned(em, job.id, tokens, decision.assignments);
    const events: EventDraft[] = [];
    tokens.forEach((t, i) => {
      events.push({ tokenId: t.id, type: TokenEventType.Spawned, nodeId: start.id, operatorId: null, occurredAt: now });
      const a = decision.assignments[i];
      if (a.accountId !== null || a.teamId !== null) {
        events.push({
          tokenId: t.id,
          type: TokenEventType.Assigned,
          nodeId: start.id,
          operatorId: a.accountId,
          occurredAt: now,
          payload: { accountId: a.accountId, teamId: a.teamId, path: decision.path },
        });
      }
    });
    await this.store.insertEvents(em, events);
    return tokens.at(-1)?.id ?? afterId;
  }

  /**
   * Removes what a failed or cut-off spawn of the job inserted, a batch per transaction, with
   * the automatic assigner's decisions about those tokens.
   */
  private async removeSpawned(jobId: number): Promise<void> {
    const removeBatch = async (em: EntityManager) => {
      const ids = await this.store.removeSpawnedOf(em, jobId, SPAWN_BATCH);
      await this.assignment.forget(ids, em);
      return ids.length;
    };
    while ((await inTransaction(this.dataSource, removeBatch)) > 0) await yieldToEventLoop();
  }

  /** waiting -> in_progress at the current node. */
  start(tokenId: number, input: MoveInput = {}): Promise<MovedToken> {
    return this.act(tokenId, input, (em, state, operatorId, now) => this.startWithin(em, state, operatorId, now));
  }

  /** `alongside`: rows the caller changes with the move (see TokenStore.move). */
  async startWithin(
    em: EntityManager,
    state: TokenState,
    operatorId: number | null,
    now: Date,
    alongside: readonly GuardedRow[] = [],
  ): Promise<MovedToken> {
    const { token, job } = state;
    if (token.status !== TokenStatus.Waiting) throw wrongStatus(token, 'waiting', 'start');
    const topology = await this.topologies.get(em, job.graphId);
    const moved = await this.store.move(
      em,
      state,
      {
        nodeId: token.currentNodeId,
        status: TokenStatus.InProgress,
        assignment: { accountId: token.assignedAccountId, teamId: token.assignedTeamId },
      },
      [{ tokenId: token.id, type: TokenEventType.Started, nodeId: token.currentNodeId, operatorId, occurredAt: now }],
      now,
      alongside,
    );
    return { token: moved, node: topology.node(token.currentNodeId), job, at: now };
  }

  /** Completes the work at the current node and routes the token on by `outcome` (see DagRoutingService). */
  complete(tokenId: number, input: MoveInput & { outcome?: string } = {}): Promise<MovedToken> {
    return this.act(tokenId, input, (em, state, operatorId, now) =>
      this.completeWithin(em, state, input.outcome, operatorId, now),
    );
  }

  async completeWithin(
    em: EntityManager,
    state: TokenState,
    outcome: string | undefined,
    operatorId: number | null,
    now: Date,
    alongside: readonly GuardedRow[] = [],
  ): Promise<MovedToken> {
    const { token, job } = state;
    if (token.status !== TokenStatus.InProgress) throw wrongStatus(token, 'in_progress', 'complete');
    const topology = await this.topologies.get(em, job.graphId);
    const edge = topology.edgeFrom(token.currentNodeId, outcome);
    const completed: EventDraft = {
      tokenId: token.id,
      type: TokenEventType.Completed,
      nodeId: token.currentNodeId,
      operatorId,
      occurredAt: now,
      payload: { outcome: edge.outcome },
    };
    return this.routing.moveAlong(em, state, topology, edge, { operatorId, now, preceding: [completed], alongside });
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
        {
          nodeId: token.currentNodeId,
          status: TokenStatus.Scrapped,
          assignment: { accountId: token.assignedAccountId, teamId: token.assignedTeamId },
        },
        [
          {
            tokenId: token.id,
            type: TokenEventType.Scrapped,
            nodeId: token.currentNodeId,
            operatorId,
            occurredAt: now,
            payload: { reason: input.reason },
          },
        ],
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
  return new DomainError(
    ErrorCode.InvalidState,
    `Token ${token.serial} is ${token.status}; it must be ${needed} to ${action}`,
    {
      tokenId: token.id,
      status: token.status,
    },
  );
}
