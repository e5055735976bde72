import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { GraphEdge, GraphNode, ProductionGraph } from './entities/production-graph.entity.js';
import { GraphRepository, type NodeSpec } from './graph.repository.js';
import { validateGraph, type EdgeSpec } from './graph-validation.js';
import { JobRepository } from './job.repository.js';
import { conflictOnDuplicate, inTransaction } from '../database/transaction.js';

export interface GraphInput {
  code: string;
  name: string;
  nodes: NodeSpec[];
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
  constructor(
    private readonly dataSource: DataSource,
    private readonly graphs: GraphRepository,
    private readonly jobs: JobRepository,
  ) {}

  async create(input: GraphInput): Promise<GraphDetail> {
    assertValid(input);
    const id = await conflictOnDuplicate(`Graph ${input.code}`, () =>
      inTransaction(this.dataSource, async (em) => {
        const graphId = await this.graphs.insert(em, input, new Date());
        await this.graphs.insertLayout(em, graphId, input.nodes, input.edges);
        return graphId;
      }),
    );
    return this.get(id);
  }

  /** Replaces name, nodes and edges; refused once a job uses the graph. Node plans go with the old nodes. */
  async replace(id: number, input: Omit<GraphInput, 'code'>): Promise<GraphDetail> {
    assertValid(input);
    await inTransaction(this.dataSource, async (em) => {
      await this.lockUnused(em, id);
      await this.graphs.deleteLayout(em, id);
      await this.graphs.rename(em, id, input.name);
      await this.graphs.insertLayout(em, id, input.nodes, input.edges);
    });
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    await inTransaction(this.dataSource, async (em) => {
      await this.lockUnused(em, id);
      await this.graphs.delete(em, id);
    });
  }

  async list(): Promise<GraphDetail[]> {
    const graphs = await this.graphs.all();
    return Promise.all(graphs.map((g) => this.get(g.id)));
  }

  async get(id: number): Promise<GraphDetail> {
    const graph = await this.graphs.find(id);
    if (!graph) throw DomainError.notFound('Graph', id);
    const [{ nodes, edges }, inUse] = await Promise.all([this.graphs.layout(id), this.jobs.usesGraph(id)]);
    return { graph, nodes, edges, inUse };
  }

  async findByCode(code: string): Promise<ProductionGraph | null> {
    return this.graphs.findByCode(code);
  }

  /**
   * Touching the graph row first takes its row lock, which a job insert needs too (foreign
   * key), so a job cannot start using the graph while it is being changed.
   */
  private async lockUnused(em: EntityManager, id: number): Promise<void> {
    if (!(await this.graphs.touch(em, id, new Date()))) throw DomainError.notFound('Graph', id);
    const jobs = await this.jobs.codesOnGraph(em, id, 5);
    if (jobs.length > 0) {
      throw new DomainError(
        ErrorCode.GraphInUse,
        `Graph ${id} is used by jobs (${jobs.join(', ')}); publish a new graph instead`,
        {
          graphId: id,
          jobs,
        },
      );
    }
  }
}

function assertValid(input: Omit<GraphInput, 'code'>): void {
  const errors = validateGraph(input.nodes, input.edges);
  if (errors.length) throw DomainError.validation(errors, 'The graph is not a valid production DAG');
}
