import { Role } from '../src/common/auth/role.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const n = (code: string, kind = 'work') => ({ code, name: code, kind });
const e = (from: string, to: string, outcome?: string) => ({ from, to, ...(outcome ? { outcome } : {}) });
const S = n('S', 'start');
const E = n('E', 'end');

describe('production: graph validation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const post = (code: string, nodes: object[], edges: object[]) =>
    t.http().post('/api/v1/graphs').set(t.auth(Role.Supervisor)).send({ code, name: code, nodes, edges });

  it.each([
    [
      'a cycle',
      [S, n('A'), n('B'), E],
      [e('S', 'A'), e('A', 'B'), e('B', 'A'), e('A', 'E')],
      'edges',
      /cycle runs through nodes A, B/,
    ],
    ['no start node', [n('A'), E], [e('A', 'E')], 'nodes', /exactly one start node, found 0/],
    ['two start nodes', [S, n('T', 'start'), E], [e('S', 'E'), e('T', 'E')], 'nodes', /found 2: S, T/],
    ['no end node', [S, n('A')], [e('S', 'A')], 'nodes', /at least one end node/],
    [
      'an unreachable node',
      [S, n('A'), n('X'), E],
      [e('S', 'A'), e('A', 'E'), e('X', 'E')],
      'nodes',
      /not reachable from start node S: X/,
    ],
    [
      'a node that cannot reach an end',
      [S, n('A'), n('X'), E],
      [e('S', 'A'), e('A', 'E', 'pass'), e('A', 'X', 'fail')],
      'nodes',
      /cannot reach an end node: X/,
    ],
    [
      'duplicate outcome labels',
      [S, n('Q', 'qc'), n('R'), E],
      [e('S', 'Q'), e('Q', 'E', 'pass'), e('Q', 'R', 'pass'), e('R', 'E')],
      'edges',
      /node Q has duplicate outcome labels: pass/,
    ],
    [
      'a branch without labels',
      [S, n('Q', 'qc'), n('R'), E],
      [e('S', 'Q'), e('Q', 'E'), e('Q', 'R'), e('R', 'E')],
      'edges',
      /node Q has 2 outgoing edges: each needs an outcome label/,
    ],
    ['an edge to an unknown node', [S, E], [e('S', 'E'), e('S', 'Z')], 'edges[1].to', /unknown node Z/],
  ])('refuses %s with 400 naming the offenders', async (_, nodes, edges, field, message) => {
    const res = await post(`BAD-${field.replace(/\W/g, '')}`, nodes, edges).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const entry = res.body.errors.find((x: { field: string }) => x.field === field);
    expect(entry?.messages.join('\n')).toMatch(message);
  });

  it('stores a valid DAG and refuses a second graph with the same code', async () => {
    const nodes = [S, n('Q', 'qc'), n('R'), E];
    const edges = [e('S', 'Q'), e('Q', 'E', 'pass'), e('Q', 'R', 'fail'), e('R', 'E')];
    const res = await post('GOOD', nodes, edges).expect(201);
    expect(res.body).toMatchObject({ code: 'GOOD', inUse: false });
    expect(
      res.body.edges.map(
        (x: { from: string; to: string; outcome: string | null }) => `${x.from}-${x.outcome ?? ''}->${x.to}`,
      ),
    ).toEqual(['S-->Q', 'Q-pass->E', 'Q-fail->R', 'R-->E']);
    const again = await post('GOOD', nodes, edges).expect(409);
    expect(again.body.code).toBe('CONFLICT');
  });
});
