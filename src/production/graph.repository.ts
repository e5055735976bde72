import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { present } from '../common/present.js';
import { GraphEdge, GraphNode, ProductionGraph, type NodeKind } from './entities/production-graph.entity.js';
import type { EdgeSpec } from './graph-validation.js';

export interface NodeSpec {
  code: string;
  name: string;
  kind: NodeKind;
  stationCode?: string | null;
}

/** A graph's nodes and edges, each in id order. */
export interface GraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The production_graph, graph_node and graph_edge tables. */
@Injectable()
export class GraphRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(em: EntityManager, graph: { code: string; name: string }, now: Date): Promise<number> {
    const repo = em.getRepository(ProductionGraph);
    return (await repo.save(repo.create({ code: graph.code, name: graph.name, createdAt: now, updatedAt: now }))).id;
  }

  /** Writes the nodes, then the edges between them by node code. */
  async insertLayout(
    em: EntityManager,
    graphId: number,
    nodes: readonly NodeSpec[],
    edges: readonly EdgeSpec[],
  ): Promise<void> {
    const nodeRepo = em.getRepository(GraphNode);
    const saved = await nodeRepo.save(
      nodes.map((n) =>
        nodeRepo.create({ graphId, code: n.code, name: n.name, kind: n.kind, stationCode: n.stationCode ?? null }),
      ),
    );
    const ids = new Map(saved.map((n) => [n.code, n.id]));
    // validateGraph refused edges between unknown codes
    const idOf = (code: string) => present(ids.get(code), `node ${code}`);
    if (edges.length === 0) return;
    await em.getRepository(GraphEdge).insert(
      edges.map((e) => ({
        graphId,
        fromNodeId: idOf(e.from),
        toNodeId: idOf(e.to),
        outcome: e.outcome ?? null,
      })),
    );
  }

  async deleteLayout(em: EntityManager, graphId: number): Promise<void> {
    await em.getRepository(GraphEdge).delete({ graphId });
    await em.getRepository(GraphNode).delete({ graphId });
  }

  async rename(em: EntityManager, id: number, name: string): Promise<void> {
    await em.getRepository(ProductionGraph).update({ id }, { name });
  }

  /** Bumps updated_at, taking the graph row's lock; false when there is no such graph. */
  async touch(em: EntityManager, id: number, now: Date): Promise<boolean> {
    return Boolean((await em.getRepository(ProductionGraph).update({ id }, { updatedAt: now })).affected);
  }

  async delete(em: EntityManager, id: number): Promise<void> {
    await em.getRepository(ProductionGraph).delete({ id });
  }

  exists(em: EntityManager, id: number): Promise<boolean> {
    return em.getRepository(ProductionGraph).existsBy({ id });
  }

  all(): Promise<ProductionGraph[]> {
    return this.dataSource.getRepository(ProductionGraph).find({ order: { id: 'ASC' } });
  }

  find(id: number): Promise<ProductionGraph | null> {
    return this.dataSource.getRepository(ProductionGraph).findOneBy({ id });
  }

  findByCode(code: string): Promise<ProductionGraph | null> {
    return this.dataSource.getRepository(ProductionGraph).findOneBy({ code });
  }

  /** Inside a transaction when `manager` is given. */
  async layout(graphId: number, manager: EntityManager = this.dataSource.manager): Promise<GraphLayout> {
    const [nodes, edges] = await Promise.all([
      manager.getRepository(GraphNode).find({ where: { graphId }, order: { id: 'ASC' } }),
      manager.getRepository(GraphEdge).find({ where: { graphId }, order: { id: 'ASC' } }),
    ]);
    return { nodes, edges };
  }

  /** Inside a transaction when `manager` is given. */
  node(id: number, manager: EntityManager = this.dataSource.manager): Promise<GraphNode | null> {
    return manager.getRepository(GraphNode).findOneBy({ id });
  }
}
