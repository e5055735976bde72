import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { present } from '../common/present.js';
import { NodeKind, type GraphEdge, type GraphNode } from './entities/production-graph.entity.js';
import { GraphRepository } from './graph.repository.js';
import { JobRepository } from './job.repository.js';
import type { NodeRef } from './production.types.js';

/** A graph's nodes and edges, indexed for routing. */
export class GraphTopology {
  readonly nodes = new Map<number, NodeRef>();
  readonly outgoing = new Map<number, GraphEdge[]>();
  readonly start: NodeRef;

  constructor(nodes: GraphNode[], edges: GraphEdge[]) {
    for (const n of nodes) {
      this.nodes.set(n.id, {
        id: n.id,
        graphId: n.graphId,
        code: n.code,
        name: n.name,
        kind: n.kind,
        stationCode: n.stationCode,
      });
      this.outgoing.set(n.id, []);
    }
    // graph_edge's foreign key holds its from-node in the same graph
    for (const e of edges) present(this.outgoing.get(e.fromNodeId), `node #${e.fromNodeId}`).push(e);
    const start = [...this.nodes.values()].find((n) => n.kind === NodeKind.Start);
    if (!start) throw new Error(`Graph ${nodes.at(0)?.graphId} has no start node`);
    this.start = start;
  }

  node(id: number): NodeRef {
    const node = this.nodes.get(id);
    if (!node) throw DomainError.notFound('Node', id);
    return node;
  }

  /**
   * The edge a token leaves `fromId` by. With several outgoing edges the outcome picks one. `toId` narrows to edges ending there (explicit routing).
   */
  edgeFrom(fromId: number, outcome: string | undefined, toId?: number): GraphEdge {
    const from = this.node(fromId);
    const out = this.outgoing.get(fromId) ?? [];
    const candidates = toId === undefined ? out : out.filter((e) => e.toNodeId === toId);
    const target = toId === undefined ? undefined : (this.nodes.get(toId)?.code ?? String(toId));
    if (candidates.length === 0) {
      throw new DomainError(ErrorCode.NoSuchEdge, `No edge from node ${from.code}${target ? ` to ${target}` : ''}`, {
        fromNode: from.code,
        toNode: target ?? null,
      });
    }
    if (out.length > 1 && outcome === undefined) {
      throw new DomainError(
        ErrorCode.OutcomeRequired,
        `Node ${from.code} has ${out.length} outgoing edges: give an outcome (${out.map((e) => e.outcome).join(', ')})`,
        {
          fromNode: from.code,
          outcomes: out.map((e) => e.outcome),
        },
      );
    }
    // a single way on needs no outcome, and any outcome given (a scan's default) is informative only
    const edge = out.length === 1 ? candidates[0] : candidates.find((e) => e.outcome === outcome);
    if (!edge) {
      throw new DomainError(
        ErrorCode.NoSuchEdge,
        `No edge from node ${from.code}${target ? ` to ${target}` : ''} with outcome ${outcome}`,
        {
          fromNode: from.code,
          toNode: target ?? null,
          outcome,
        },
      );
    }
    return edge;
  }
}

/**
 * Topologies of graphs in use. A graph that a job references can never change again (edits
 * answer 409 GRAPH_IN_USE), so caching it is safe on every replica; graphs not in use are
 * read fresh each time.
 */
@Injectable()
export class GraphTopologyCache {
  private readonly frozen = new Map<number, GraphTopology>();

  constructor(
    private readonly graphs: GraphRepository,
    private readonly jobs: JobRepository,
  ) {}

  async get(manager: EntityManager, graphId: number): Promise<GraphTopology> {
    const cached = this.frozen.get(graphId);
    if (cached) return cached;
    const [{ nodes, edges }, inUse] = await Promise.all([
      this.graphs.layout(graphId, manager),
      this.jobs.usesGraph(graphId, manager),
    ]);
    if (nodes.length === 0) throw DomainError.notFound('Graph', graphId);
    const topology = new GraphTopology(nodes, edges);
    if (inUse) this.frozen.set(graphId, topology);
    return topology;
  }
}
