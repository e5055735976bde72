import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { GraphEdge } from './entities/production-graph.entity.js';
import { NodeKind } from './entities/production-graph.entity.js';
import { TokenEventType, TokenStatus } from './entities/token.entity.js';
import { GraphTopologyCache, type GraphTopology } from './graph-topology.js';
import { NodeAssignmentService } from './node-assignment.service.js';
import { UNASSIGNED, type JobRef, type NodeRef, type TokenRef } from './production.types.js';
import { TokenStore, type EventDraft, type TokenState } from './token-store.js';
import type { GuardedRow } from '../database/dialect.js';
import { inTransaction } from '../database/transaction.js';

export interface RouteOptions {
  /** Required when the current node has several outgoing edges; picks the edge. */
  outcome?: string;
  /** The account acting, recorded on the events. */
  operatorId?: number | null;
  /** Refuse with 409 unless the token is still at this version. */
  expectedVersion?: number;
}

/** A token after a move, with the node it is at and its job. */
export interface MovedToken {
  token: TokenRef;
  node: NodeRef;
  job: JobRef;
  at: Date;
}

/**
 * Moves tokens along the graph's edges: only along an existing edge, with an outcome where
 * the node branches, re-assigning at the new node and finishing the token at an end node.
 */
@Injectable()
export class DagRoutingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TokenStore,
    private readonly topologies: GraphTopologyCache,
    private readonly assignment: NodeAssignmentService,
  ) {}

  /**
   * Routes `token` (an id, or a token read earlier, whose version must still hold) to the
   * node `nodeId`, in its own transaction.
   */
  routeToNode(token: number | TokenRef, nodeId: number, options: RouteOptions = {}): Promise<MovedToken> {
    const tokenId = typeof token === 'number' ? token : token.id;
    const expectedVersion = options.expectedVersion ?? (typeof token === 'number' ? undefined : token.version);
    return inTransaction(this.dataSource, async (manager) => {
      const state = await this.store.load(manager, tokenId, expectedVersion);
      assertOpen(state.token);
      const topology = await this.topologies.get(manager, state.job.graphId);
      const edge = topology.edgeFrom(state.token.currentNodeId, options.outcome, nodeId);
      return this.moveAlong(manager, state, topology, edge, {
        operatorId: options.operatorId ?? null,
        now: new Date(),
      });
    });
  }

  /**
   * The move itself, inside the caller's transaction: `preceding` events (a completion) are
   * written with the move's own in one batch, and the version check covers them all;
   * `alongside` rows change with the token (see TokenStore.move).
   */
  async moveAlong(
    manager: EntityManager,
    state: TokenState,
    topology: GraphTopology,
    edge: GraphEdge,
    context: { operatorId: number | null; now: Date; preceding?: EventDraft[]; alongside?: readonly GuardedRow[] },
  ): Promise<MovedToken> {
    const { token, job } = state;
    const to = topology.node(edge.toNodeId);
    const event = (
      type: TokenEventType,
      operatorId: number | null,
      payload: Record<string, unknown> | null = null,
    ): EventDraft => ({
      tokenId: token.id,
      type,
      nodeId: to.id,
      operatorId,
      occurredAt: context.now,
      payload,
    });
    const events = [
      ...(context.preceding ?? []),
      event(TokenEventType.Routed, context.operatorId, { fromNodeId: token.currentNodeId, outcome: edge.outcome }),
    ];
    let assignment = UNASSIGNED;
    if (to.kind === NodeKind.End) {
      events.push(event(TokenEventType.Finished, context.operatorId));
    } else {
      const decision = await this.assignment.assign([token], to, job, manager);
      assignment = decision.assignments[0];
      if (assignment.accountId !== null || assignment.teamId !== null) {
        events.push(
          event(TokenEventType.Assigned, assignment.accountId, {
            accountId: assignment.accountId,
            teamId: assignment.teamId,
            path: decision.path,
          }),
        );
      }
    }
    const status = to.kind === NodeKind.End ? TokenStatus.Done : TokenStatus.Waiting;
    const moved = await this.store.move(
      manager,
      state,
      { nodeId: to.id, status, assignment },
      events,
      context.now,
      context.alongside,
    );
    return { token: moved, node: to, job, at: context.now };
  }
}

export function assertOpen(token: TokenRef): void {
  if (token.status === TokenStatus.Done || token.status === TokenStatus.Scrapped) {
    throw new DomainError(ErrorCode.InvalidState, `Token ${token.serial} is ${token.status} and cannot move`, {
      tokenId: token.id,
      status: token.status,
    });
  }
}
