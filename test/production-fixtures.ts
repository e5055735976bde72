import { Role } from '../src/common/auth/role.js';
import type { TestApp } from './support/test-app.js';

/**
 * A small factory for the production suites: S -> A -> Q (QC) -pass-> P -> E, with
 * Q -fail-> R -> P. Every node but the end has its own station `ST-<code>`.
 */
export const LINE_NODES = [
  { code: 'S', name: 'Start', kind: 'start', stationCode: 'ST-S' },
  { code: 'A', name: 'Assemble', kind: 'work', stationCode: 'ST-A' },
  { code: 'Q', name: 'Check', kind: 'qc', stationCode: 'ST-Q' },
  { code: 'R', name: 'Rework', kind: 'work', stationCode: 'ST-R' },
  { code: 'P', name: 'Pack', kind: 'work', stationCode: 'ST-P' },
  { code: 'E', name: 'Done', kind: 'end' },
];
export const LINE_EDGES = [
  { from: 'S', to: 'A' },
  { from: 'A', to: 'Q' },
  { from: 'Q', to: 'P', outcome: 'pass' },
  { from: 'Q', to: 'R', outcome: 'fail' },
  { from: 'R', to: 'P' },
  { from: 'P', to: 'E' },
];

export interface Line {
  graphId: number;
  node: Record<string, number>;
}

export async function createLine(t: TestApp, code: string): Promise<Line> {
  const res = await t
    .http()
    .post('/api/v1/graphs')
    .set(t.auth(Role.Supervisor))
    .send({ code, name: code, nodes: LINE_NODES, edges: LINE_EDGES });
  if (res.status !== 201) throw new Error(`graph: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    graphId: res.body.id,
    node: Object.fromEntries(res.body.nodes.map((n: { code: string; id: number }) => [n.code, n.id])),
  };
}

/** Creates, releases and (unless told otherwise) spawns a job; returns its id. */
export async function startJob(
  t: TestApp,
  graphId: number,
  code: string,
  quantity: number,
  spawn = true,
): Promise<number> {
  const sup = t.auth(Role.Supervisor);
  const job = await t.http().post('/api/v1/jobs').set(sup).send({ code, graphId, productCode: 'P-1', quantity });
  if (job.status !== 201) throw new Error(`job: ${job.status} ${JSON.stringify(job.body)}`);
  await t.http().post(`/api/v1/jobs/${job.body.id}/release`).set(sup).expect(200);
  if (spawn) await t.http().post(`/api/v1/jobs/${job.body.id}/spawn`).set(sup).expect(200);
  return job.body.id;
}

export async function tokensOf(
  t: TestApp,
  jobId: number,
): Promise<Array<{ id: number; serial: string; version: number; nodeCode: string; status: string }>> {
  const res = await t.http().get(`/api/v1/tokens?jobId=${jobId}&limit=500`).set(t.auth(Role.Viewer)).expect(200);
  return res.body.items;
}

export async function historyOf(
  t: TestApp,
  tokenId: number,
): Promise<
  Array<{ type: string; nodeCode: string | null; operatorId: number | null; payload: Record<string, unknown> | null }>
> {
  const res = await t.http().get(`/api/v1/tokens/${tokenId}`).set(t.auth(Role.Viewer)).expect(200);
  return res.body.history;
}
