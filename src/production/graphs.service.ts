import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { GraphEdge, GraphNode, NodeKind, ProductionGraph } from './entities/production-graph.entity.js';
import { validateGraph, type EdgeSpec } from './graph-validation.js';
import { conflictOnDuplicate, inTransaction } from '../database/transaction.js';

export interface GraphInput {
  code: string;
  name: string;
  nodes: Array<{ code: string; name: string; kind: NodeKind; stationCode?: string | null }>;
  edges: EdgeSpec[];
}

export interface GraphDetail {
  graph: ProductionGraph;
  nodes: GraphNode[];
  edges: GraphEdge[];
  inUse: boolean;
}

/**
 * Production graphs. A graph must be a DAG to be stored, and once a job uses it, it never
 * changes again: edits answer 409 GRAPH_IN_USE and a new graph is published instead.
 */
@Injectable()
export class GraphsService {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: GraphInput): Promise<GraphDetail> {
    assertValid(input);
    const id = await conflictOnDuplicate(`Graph ${input.code}`, () =>
      inTransaction(this.dataSource, async (em) => {
        const now = new Date();
        const graph = await em.getRepository(ProductionGraph).save(em.getRepository(ProductionGraph).create({ code: input.code, name: input.name, createdAt: now, updatedAt: now }));
        await this.writeNodesAndEdges(em, graph.id, input);
        return graph.id;
      }),
    );
    return this.get(id);
  }

  /** Replaces name, nodes and edges; refused once a job uses the graph. Node plans go with the old nodes. */
  async replace(id: number, input: Omit<GraphInput, 'code'>): Promise<GraphDetail> {
    assertValid(input);
    await inTransaction(this.dataSource, async (em) => {
      await this.lockUnused(em, id);
      await em.getRepository(GraphEdge).delete({ graphId: id });
      await em.getRepository(GraphNode).delete({ graphId: id });
      await em.getRepository(ProductionGraph).update({ id }, { name: input.name });
      await this.writeNodesAndEdges(em, id, input);
    });
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    await inTransaction(this.dataSource, async (em) => {
      await this.lockUnused(em, id);
      await em.getRepository(ProductionGraph).delete({ id });
    });
  }

  async list(): Promise<GraphDetail[]> {
    const graphs = await this.dataSource.getRepository(ProductionGraph).find({ order: { id: 'ASC' } });
    return Promise.all(graphs.map((g) => this.get(g.id)));
  }

  async get(id: number): Promise<GraphDetail> {
    const graph = await this.dataSource.getRepository(ProductionGraph).findOneBy({ id });
    if (!graph) throw DomainError.notFound('Graph', id);
    const [nodes, edges, used] = await Promise.all([
      this.dataSource.getRepository(GraphNode).find({ where: { graphId: id }, order: { id: 'ASC' } }),
      this.dataSource.getRepository(GraphEdge).find({ where: { graphId: id }, order: { id: 'ASC' } }),
      this.dataSource.query(`SELECT 1 AS x FROM job_ticket WHERE graph_id = ? LIMIT 1`, [id]),
    ]);
    return { graph, nodes, edges, inUse: used.length > 0 };
  }

  async findByCode(code: string): Promise<ProductionGraph | null> {
    return this.dataSource.getRepository(ProductionGraph).findOneBy({ code });
  }

  /**
   * Touching the graph row first takes its row lock, which a job insert needs too (foreign
   * key), so a job cannot start using the graph while it is being changed.
   */
  private async lockUnused(em: EntityManager, id: number): Promise<void> {
    const touched = await em.getRepository(ProductionGraph).update({ id }, { updatedAt: new Date() });
    if (!touched.affected) throw DomainError.notFound('Graph', id);
    const jobs: Array<{ code: string }> = await em.query(`SELECT code FROM job_ticket WHERE graph_id = ? ORDER BY id LIMIT 5`, [id]);
    if (jobs.length > 0) {
      throw new DomainError(ErrorCode.GraphInUse, `Graph ${id} is used by jobs (${jobs.map((j) => j.code).join(', ')}); publish a new graph instead`, {
        graphId: id,
        jobs: jobs.map((j) => j.code),
      });
    }
  }

  private async writeNodesAndEdges(em: EntityManager, graphId: number, input: Omit<GraphInput, 'code'>): Promise<void> {
    const nodes = await em.getRepository(GraphNode).save(
      input.nodes.map((n) => em.getRepository(GraphNode).create({ graphId, code: n.code, name: n.name, kind: n.kind, stationCode: n.stationCode ?? null })),
    );
    const idOf = new Map(nodes.map((n) => [n.code, n.id]));
    if (input.edges.length === 0) return;
    await em.getRepository(GraphEdge).insert(
      input.edges.map((e) => ({ graphId, fromNodeId: idOf.get(e.from)!, toNodeId: idOf.get(e.to)!, outcome: e.outcome ?? null })),
    );
  }
}

function assertValid(input: Omit<GraphInput, 'code'>): void {
  const errors = validateGraph(input.nodes, input.edges);
  if (errors.length) throw DomainError.validation(errors, 'The graph is not a valid production DAG');
}

