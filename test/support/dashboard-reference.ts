import type { DataSource } from 'typeorm';
import { fromDbTime } from '../../src/database/dialect.js';

/**
 * The four dashboard views recomputed in plain TypeScript from the raw rows (token_event in
 * id order and the static core tables), by replaying each token's history: a second,
 * independent implementation of the definitions in src/dashboard/view-sql.ts. It tracks
 * where each token is instead of reading `routed` payloads, and derives the current queue
 * and assignments from the events instead of the token table.
 */
const HOUR = 3_600_000;

interface RawEvent {
  id: number;
  tokenId: number;
  type: string;
  nodeId: number;
  operatorId: number | null;
  at: number;
  payload: Record<string, number | null> | null;
}

export interface Expected {
  flow: Array<{ nodeId: number; bucketStart: string; entered: number; exited: number; scrapped: number; wip: number }>;
  bottlenecks: Array<Record<string, unknown>>;
  teams: Array<Record<string, unknown>>;
  cycles: Array<{
    productCode: string;
    day: string;
    tokensFinished: number;
    avgCycleMs: number;
    p50CycleMs: number;
    p90CycleMs: number;
  }>;
}

/** Rounded half up, like the views. */
const average = (values: number[]) =>
  Math.floor((2 * values.reduce((a, b) => a + b, 0) + values.length) / (2 * values.length));
/** Nearest rank: the value at rank ceil(p n / 100) of the sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.ceil((p * sorted.length) / 100) - 1];

function stats(values: number[] | undefined): { count: number; avg: number | null; p90: number | null } {
  if (!values?.length) return { count: 0, avg: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, avg: average(sorted), p90: percentile(sorted, 90) };
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

export async function expectedViews(ds: DataSource, windowStart: number, windowEnd: number): Promise<Expected> {
  const events: RawEvent[] = (
    await ds.query(`SELECT id, token_id, type, node_id, operator_id, occurred_at, payload FROM token_event ORDER BY id`)
  ).map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    tokenId: Number(r.token_id),
    type: String(r.type),
    nodeId: Number(r.node_id),
    operatorId: r.operator_id === null ? null : Number(r.operator_id),
    at: fromDbTime(r.occurred_at as string | Date).getTime(),
    payload: r.payload ? JSON.parse(r.payload as string) : null,
  }));
  const productOf = new Map<number, string>(
    (await ds.query(`SELECT t.id, j.product_code FROM token t JOIN job_ticket j ON j.id = t.job_id`)).map(
      (r: Record<string, unknown>) => [Number(r.id), String(r.product_code)],
    ),
  );
  const nodes: Array<Record<string, unknown>> = await ds.query(
    `SELECT id, graph_id, code, name, kind FROM graph_node ORDER BY id`,
  );
  const teams: Array<Record<string, unknown>> = await ds.query(`SELECT id, code, name FROM team`);
  const members: Array<{ team_id: number | string; account_id: number | string }> = await ds.query(
    `SELECT team_id, account_id FROM team_member`,
  );
  const active = new Set(
    (await ds.query(`SELECT id FROM account WHERE active = 1`)).map((r: { id: number | string }) => Number(r.id)),
  );
  const teamsOf = (accountId: number | null) =>
    members.filter((m) => accountId !== null && Number(m.account_id) === accountId).map((m) => Number(m.team_id));
  const inWindow = (at: number) => at >= windowStart && at < windowEnd;

  // replay
  const token = new Map<
    number,
    {
      node: number;
      status: string;
      accountId: number | null;
      teamId: number | null;
      entered: number;
      started: number;
      spawned: number;
    }
  >();
  const flow = new Map<string, { nodeId: number; bucket: number; entered: number; exited: number; scrapped: number }>();
  const count = (nodeId: number, at: number, field: 'entered' | 'exited' | 'scrapped') => {
    const bucket = Math.floor(at / HOUR) * HOUR;
    const key = `${nodeId}@${bucket}`;
    const row = flow.get(key) ?? flow.set(key, { nodeId, bucket, entered: 0, exited: 0, scrapped: 0 }).get(key)!;
    row[field]++;
  };
  const waits = new Map<number, number[]>();
  const processing = new Map<number, number[]>();
  const completedBy = new Map<number, number>();
  const cycles = new Map<string, number[]>();
  for (const e of events) {
    const t = token.get(e.tokenId);
    switch (e.type) {
      case 'spawned':
        token.set(e.tokenId, {
          node: e.nodeId,
          status: 'waiting',
          accountId: null,
          teamId: null,
          entered: e.at,
          started: 0,
          spawned: e.at,
        });
        count(e.nodeId, e.at, 'entered');
        break;
      case 'assigned':
        Object.assign(t!, { accountId: e.payload!.accountId, teamId: e.payload!.teamId });
        break;
      case 'started':
        if (inWindow(e.at)) push(waits, e.nodeId, e.at - t!.entered);
        Object.assign(t!, { status: 'in_progress', started: e.at });
        break;
      case 'completed':
        if (inWindow(e.at)) push(processing, e.nodeId, e.at - t!.started);
        for (const team of teamsOf(e.operatorId))
          if (inWindow(e.at)) completedBy.set(team, (completedBy.get(team) ?? 0) + 1);
        break;
      case 'routed':
        count(t!.node, e.at, 'exited');
        count(e.nodeId, e.at, 'entered');
        Object.assign(t!, { node: e.nodeId, status: 'waiting', accountId: null, teamId: null, entered: e.at });
        break;
      case 'finished':
        count(e.nodeId, e.at, 'exited');
        t!.status = 'done';
        push(cycles, `${productOf.get(e.tokenId)}|${new Date(e.at).toISOString().slice(0, 10)}`, e.at - t!.spawned);
        break;
      case 'scrapped':
        count(e.nodeId, e.at, 'scrapped');
        t!.status = 'scrapped';
        break;
    }
  }

  const wip = new Map<number, number>();
  const flowRows = [...flow.values()]
    .sort((a, b) => a.nodeId - b.nodeId || a.bucket - b.bucket)
    .map((r) => {
      wip.set(r.nodeId, (wip.get(r.nodeId) ?? 0) + r.entered - r.exited - r.scrapped);
      return {
        nodeId: r.nodeId,
        bucketStart: new Date(r.bucket).toISOString(),
        entered: r.entered,
        exited: r.exited,
        scrapped: r.scrapped,
        wip: wip.get(r.nodeId)!,
      };
    });

  const open = [...token.values()].filter((t) => t.status === 'waiting' || t.status === 'in_progress');
  const window = { windowStart: new Date(windowStart).toISOString(), windowEnd: new Date(windowEnd).toISOString() };
  const bottlenecks = nodes
    .filter((n) => n.kind !== 'end')
    .map((n) => {
      const id = Number(n.id);
      const w = stats(waits.get(id));
      const p = stats(processing.get(id));
      return {
        nodeId: id,
        graphId: Number(n.graph_id),
        nodeCode: String(n.code),
        nodeName: String(n.name),
        queueLength: open.filter((t) => t.node === id && t.status === 'waiting').length,
        waitsMeasured: w.count,
        avgWaitMs: w.avg,
        p90WaitMs: w.p90,
        processingsMeasured: p.count,
        avgProcessingMs: p.avg,
        ...window,
      };
    })
    .sort((a, b) => b.queueLength - a.queueLength || (b.p90WaitMs ?? -1) - (a.p90WaitMs ?? -1) || a.nodeId - b.nodeId)
    .map((row, i) => ({ rank: i + 1, ...row }));

  const teamRows = teams
    .map((team) => {
      const id = Number(team.id);
      const mine = open.filter((t) => t.teamId === id || teamsOf(t.accountId).includes(id));
      return {
        teamId: id,
        teamCode: String(team.code),
        teamName: String(team.name),
        tokensWaiting: mine.filter((t) => t.status === 'waiting').length,
        tokensInProgress: mine.filter((t) => t.status === 'in_progress').length,
        completedInWindow: completedBy.get(id) ?? 0,
        operatorsOnShift: members.filter((m) => Number(m.team_id) === id && active.has(Number(m.account_id))).length,
        ...window,
      };
    })
    .sort((a, b) => a.teamCode.localeCompare(b.teamCode) || a.teamId - b.teamId);

  const cycleRows = [...cycles.entries()]
    .map(([key, values]) => {
      const [productCode, day] = key.split('|');
      const sorted = [...values].sort((a, b) => a - b);
      return {
        productCode,
        day,
        tokensFinished: sorted.length,
        avgCycleMs: average(sorted),
        p50CycleMs: percentile(sorted, 50),
        p90CycleMs: percentile(sorted, 90),
      };
    })
    .sort((a, b) => (a.productCode + a.day < b.productCode + b.day ? -1 : 1));

  return { flow: flowRows, bottlenecks, teams: teamRows, cycles: cycleRows };
}
