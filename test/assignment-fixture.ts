import { DataSource } from 'typeorm';
import { AccountsService } from '../src/production/accounts.service.js';
import { NodeKind } from '../src/production/entities/production-graph.entity.js';
import { GraphsService } from '../src/production/graphs.service.js';
import { JobsService } from '../src/production/jobs.service.js';
import { TokenLifecycleService } from '../src/production/token-lifecycle.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import type { TestApp } from './support/test-app.js';

/**
 * A small line per test (START -> WORK -> NEXT -> END) with its own operators and teams,
 * built through the core's real services; codes carry a prefix so tests share one app.
 */
export interface Line {
  prefix: string;
  graphId: number;
  node: Record<'START' | 'WORK' | 'NEXT' | 'END', number>;
  op: (n: number) => number;
  team: (name: string) => number;
  opCode: (n: number) => string;
  teamCode: (name: string) => string;
}

let lines = 0;

export async function buildLine(t: TestApp, operators: number, teams: Record<string, number[]> = {}): Promise<Line> {
  const prefix = `L${++lines}`;
  const accounts = t.app.get(AccountsService);
  const opCode = (n: number) => `${prefix}-OP${n}`;
  const teamCode = (name: string) => `${prefix}-${name}`;
  const ops = new Map<number, number>();
  for (let n = 1; n <= operators; n++)
    ops.set(n, (await accounts.createOperator({ code: opCode(n), name: `Operator ${n}` })).id);
  const teamIds = new Map<string, number>();
  for (const [name, members] of Object.entries(teams))
    teamIds.set(
      name,
      (await accounts.createTeam({ code: teamCode(name), name, memberCodes: members.map(opCode) })).team.id,
    );
  const graph = await t.app.get(GraphsService).create({
    code: `${prefix}-G`,
    name: 'test line',
    nodes: [
      { code: 'START', name: 'Start', kind: NodeKind.Start },
      { code: 'WORK', name: 'Work', kind: NodeKind.Work },
      { code: 'NEXT', name: 'Next', kind: NodeKind.Work },
      { code: 'END', name: 'End', kind: NodeKind.End },
    ],
    edges: [
      { from: 'START', to: 'WORK' },
      { from: 'WORK', to: 'NEXT' },
      { from: 'NEXT', to: 'END' },
    ],
  });
  const node = Object.fromEntries(graph.nodes.map((n) => [n.code, n.id])) as Line['node'];
  return {
    prefix,
    graphId: graph.graph.id,
    node,
    op: (n) => ops.get(n)!,
    team: (name) => teamIds.get(name)!,
    opCode,
    teamCode,
  };
}

let jobs = 0;

/** A released job of `quantity` on the line; `spawn` spawns its tokens too. */
export async function newJob(t: TestApp, line: Line, quantity: number, spawn = true): Promise<number> {
  const service = t.app.get(JobsService);
  const job = await service.create({
    code: `${line.prefix}-J${++jobs}`,
    graphId: line.graphId,
    productCode: 'P',
    quantity,
  });
  await service.release(job.id);
  if (spawn) await t.app.get(TokenLifecycleService).spawnTokens(job.id);
  return job.id;
}

export async function setFlag(t: TestApp, key: string, enabled: boolean): Promise<void> {
  await t.app.get(FlagsService).set(key, enabled, { actor: 'test', reason: 'assignment test' });
}

export interface TokenRow {
  id: number;
  accountId: number | null;
  teamId: number | null;
}

export async function tokensOf(t: TestApp, jobId: number): Promise<TokenRow[]> {
  const rows = await t.app
    .get(DataSource)
    .query(`SELECT id, assigned_account_id, assigned_team_id FROM token WHERE job_id = ? ORDER BY id`, [jobId]);
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    accountId: r.assigned_account_id === null ? null : Number(r.assigned_account_id),
    teamId: r.assigned_team_id === null ? null : Number(r.assigned_team_id),
  }));
}
