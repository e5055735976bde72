import { AccountsService } from '../../../src/production/accounts.service.js';
import { AssignmentPlansService } from '../../../src/production/assignment-plans.service.js';
import { NodeKind } from '../../../src/production/entities/production-graph.entity.js';
import { GraphsService } from '../../../src/production/graphs.service.js';
import { JobsService } from '../../../src/production/jobs.service.js';
import { present } from '../runner.js';
import type { BenchApp } from './app-context.js';

/** The bench graph S -> A -> E, each node planned to one operator (manual assignment). */
export interface RouteGraph {
  graphId: number;
  startId: number;
  nextId: number;
  operatorId: number;
}

export interface ReleasedJob {
  id: number;
  code: string;
}

/** Builds the bench graph and its plans through the services. */
export async function setUpRouteGraph(app: BenchApp): Promise<RouteGraph> {
  const graph = await app.get(GraphsService).create({
    code: 'BENCH',
    name: 'bench',
    nodes: [
      { code: 'S', name: 'S', kind: NodeKind.Start },
      { code: 'A', name: 'A', kind: NodeKind.Work },
      { code: 'E', name: 'E', kind: NodeKind.End },
    ],
    edges: [
      { from: 'S', to: 'A' },
      { from: 'A', to: 'E' },
    ],
  });
  const ids = new Map(graph.nodes.map((n) => [n.code, n.id]));
  const node = (code: string) => present(ids.get(code), `node ${code}`);
  const operator = await app.get(AccountsService).createOperator({ code: 'OP-B', name: 'bench' });
  const plans = app.get(AssignmentPlansService);
  await plans.setNodePlan(node('S'), { operatorCode: 'OP-B' });
  await plans.setNodePlan(node('A'), { operatorCode: 'OP-B' });
  return { graphId: graph.graph.id, startId: node('S'), nextId: node('A'), operatorId: operator.id };
}

/** A released job of `tokens` pieces on the bench graph, made through the services. */
export async function releasedJob(
  app: BenchApp,
  graph: RouteGraph,
  code: string,
  tokens: number,
): Promise<ReleasedJob> {
  const jobs = app.get(JobsService);
  const job = await jobs.create({ code, graphId: graph.graphId, productCode: 'P', quantity: tokens });
  await jobs.release(job.id);
  return { id: job.id, code: job.code };
}
