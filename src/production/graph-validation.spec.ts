import { NodeKind } from './entities/production-graph.entity.js';
import { validateGraph, type EdgeSpec, type NodeSpec } from './graph-validation.js';

const n = (code: string, kind: NodeKind = NodeKind.Work): NodeSpec => ({ code, kind });
const e = (from: string, to: string, outcome?: string): EdgeSpec => ({ from, to, outcome });
const line = [n('S', NodeKind.Start), n('A'), n('E', NodeKind.End)];

describe('validateGraph', () => {
  it('accepts a DAG with a labelled QC branch', () => {
    const nodes = [n('S', NodeKind.Start), n('Q', NodeKind.Qc), n('R'), n('E', NodeKind.End)];
    expect(validateGraph(nodes, [e('S', 'Q'), e('Q', 'E', 'pass'), e('Q', 'R', 'fail'), e('R', 'E')])).toEqual([]);
  });

  it.each([
    ['no start node', [n('A'), n('E', NodeKind.End)], [e('A', 'E')], /exactly one start node, found 0/],
    [
      'two start nodes',
      [n('S', NodeKind.Start), n('T', NodeKind.Start), n('E', NodeKind.End)],
      [e('S', 'E'), e('T', 'E')],
      /found 2: S, T/,
    ],
    ['no end node', [n('S', NodeKind.Start), n('A')], [e('S', 'A')], /at least one end node/],
    [
      'a cycle',
      [...line, n('B')],
      [e('S', 'A'), e('A', 'B'), e('B', 'A'), e('A', 'E')],
      /cycle runs through nodes A, B/,
    ],
    [
      'an unreachable node',
      [...line, n('X')],
      [e('S', 'A'), e('A', 'E'), e('X', 'E')],
      /not reachable from start node S: X/,
    ],
    ['a dead end', [...line, n('X')], [e('S', 'A'), e('A', 'E'), e('A', 'X', 'fail')], /cannot reach an end node: X/],
    [
      'duplicate outcome labels',
      line,
      [e('S', 'A', 'pass'), e('S', 'E', 'pass'), e('A', 'E')],
      /duplicate outcome labels: pass/,
    ],
    [
      'an unlabelled branch',
      line,
      [e('S', 'A'), e('S', 'E'), e('A', 'E')],
      /node S has 2 outgoing edges: each needs an outcome label/,
    ],
    ['an unknown node', line, [e('S', 'A'), e('A', 'Z')], /unknown node Z/],
    ['a duplicate node code', [...line, n('A')], [e('S', 'A'), e('A', 'E')], /duplicate node code A/],
  ])('rejects %s', (_, nodes, edges, message) => {
    const messages = validateGraph(nodes, edges).flatMap((x) => x.messages);
    expect(messages.join('\n')).toMatch(message);
  });

  it('names the failing edge by index', () => {
    expect(validateGraph(line, [e('S', 'A'), e('A', 'Z')])).toContainEqual({
      field: 'edges[1].to',
      messages: ['unknown node Z'],
    });
  });
});
