import type { FieldError } from '../common/errors/domain-error.js';
import { NodeKind } from './entities/production-graph.entity.js';

export interface NodeSpec {
  code: string;
  kind: NodeKind;
}

export interface EdgeSpec {
  from: string;
  to: string;
  outcome?: string | null;
}

/**
 * Checks that nodes and edges form a usable production DAG and returns every problem, each
 * naming the offending nodes or edges (empty when the graph is valid).
 */
export function validateGraph(nodes: readonly NodeSpec[], edges: readonly EdgeSpec[]): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => {
    const existing = errors.find((e) => e.field === field);
    if (existing) existing.messages.push(message);
    else errors.push({ field, messages: [message] });
  };

  const kinds = new Map<string, NodeKind>();
  for (const n of nodes) {
    if (kinds.has(n.code)) add('nodes', `duplicate node code ${n.code}`);
    kinds.set(n.code, n.kind);
  }
  edges.forEach((e, i) => {
    if (!kinds.has(e.from)) add(`edges[${i}].from`, `unknown node ${e.from}`);
    if (!kinds.has(e.to)) add(`edges[${i}].to`, `unknown node ${e.to}`);
  });
  const starts = nodes.filter((n) => n.kind === NodeKind.Start).map((n) => n.code);
  if (starts.length !== 1)
    add(
      'nodes',
      `a graph needs exactly one start node, found ${starts.length}${starts.length ? `: ${starts.join(', ')}` : ''}`,
    );
  if (!nodes.some((n) => n.kind === NodeKind.End)) add('nodes', 'a graph needs at least one end node, found none');
  if (errors.length > 0) return errors;

  const outgoing = edgesBy(nodes, edges, (e) => e.from);
  const incoming = edgesBy(nodes, edges, (e) => e.to);

  for (const [code, out] of outgoing) {
    if (kinds.get(code) === NodeKind.End && out.length > 0)
      add('edges', `end node ${code} must have no outgoing edges`);
    if (kinds.get(code) === NodeKind.Start && (incoming.get(code)?.length ?? 0) > 0)
      add('edges', `start node ${code} must have no incoming edges`);
    if (out.length > 1) {
      const labels = out.map((e) => e.outcome ?? null);
      if (labels.includes(null))
        add('edges', `node ${code} has ${out.length} outgoing edges: each needs an outcome label`);
      const duplicates = [...new Set(labels.filter((l, i) => l !== null && labels.indexOf(l) !== i))];
      if (duplicates.length) add('edges', `node ${code} has duplicate outcome labels: ${duplicates.join(', ')}`);
    }
  }

  const cyclic = nodesOnCycles(
    nodes.map((n) => n.code),
    outgoing,
  );
  if (cyclic.length) add('edges', `the graph must be acyclic; a cycle runs through nodes ${cyclic.join(', ')}`);

  const fromStart = reach(starts, (code) => outgoing.get(code)?.map((e) => e.to) ?? []);
  const unreachable = nodes.filter((n) => !fromStart.has(n.code)).map((n) => n.code);
  if (unreachable.length) add('nodes', `nodes not reachable from start node ${starts[0]}: ${unreachable.join(', ')}`);

  const ends = nodes.filter((n) => n.kind === NodeKind.End).map((n) => n.code);
  const toEnd = reach(ends, (code) => incoming.get(code)?.map((e) => e.from) ?? []);
  const deadEnds = nodes.filter((n) => !toEnd.has(n.code)).map((n) => n.code);
  if (deadEnds.length) add('nodes', `nodes that cannot reach an end node: ${deadEnds.join(', ')}`);
  return errors;
}

/** Every node's edges at one end (`from` or `to`); the graph's nodes are all known by now. */
function edgesBy(
  nodes: readonly NodeSpec[],
  edges: readonly EdgeSpec[],
  end: (e: EdgeSpec) => string,
): Map<string, EdgeSpec[]> {
  const by = new Map<string, EdgeSpec[]>(nodes.map((n) => [n.code, []]));
  for (const e of edges) by.get(end(e))?.push(e);
  return by;
}

function reach(from: string[], next: (code: string) => string[]): Set<string> {
  const seen = new Set(from);
  const todo = [...from];
  for (let code = todo.pop(); code !== undefined; code = todo.pop()) {
    for (const n of next(code)) {
      if (!seen.has(n)) {
        seen.add(n);
        todo.push(n);
      }
    }
  }
  return seen;
}

/** Kahn's algorithm: whatever cannot be peeled off in topological order lies on or behind a cycle. */
function nodesOnCycles(codes: string[], outgoing: Map<string, EdgeSpec[]>): string[] {
  const indegree = new Map(codes.map((c) => [c, 0]));
  const successors = (code: string) => outgoing.get(code)?.map((e) => e.to) ?? [];
  for (const out of outgoing.values()) for (const e of out) indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
  const ready = codes.filter((c) => indegree.get(c) === 0);
  for (let code = ready.pop(); code !== undefined; code = ready.pop()) {
    for (const to of successors(code)) {
      const remaining = (indegree.get(to) ?? 0) - 1;
      indegree.set(to, remaining);
      if (remaining === 0) ready.push(to);
    }
  }
  const left = codes.filter((c) => (indegree.get(c) ?? 0) > 0);
  // keep only nodes that lead back to themselves, not those merely downstream of a cycle
  return left.filter((c) => reach(successors(c), successors).has(c));
}
