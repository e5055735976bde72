import type { DataSource } from 'typeorm';
import { dialectOf, insertChunkRows, toDbTime } from '../../src/database/dialect.js';

/**
 * Generated factory runs for the dashboard suites: a few random DAGs, teams and jobs, and
 * tokens walking the graphs with random waits and processing times, written straight into
 * the core tables the way the production core writes them (events in time order, a token's
 * own events in its order, token rows in the state their events leave them in). Seeded, so a
 * failing run can be replayed.
 */
export type EventType = 'spawned' | 'assigned' | 'started' | 'completed' | 'routed' | 'finished' | 'scrapped';

export interface FactoryEvent {
  type: EventType;
  nodeId: number;
  operatorId: number | null;
  at: number;
  payload: Record<string, unknown> | null;
}

export interface Timeline {
  serial: string;
  jobId: number;
  events: FactoryEvent[];
  /** Set once the token row exists. */
  id?: number;
  /** How many of `events` are in the database. */
  written: number;
}

interface GraphShape {
  start: number;
  end: number;
  out: Map<number, number[]>;
}

export interface World {
  graphs: GraphShape[];
  jobs: Array<{ id: number; graph: GraphShape }>;
  accounts: number[];
  teams: Array<{ id: number; members: number[] }>;
}

const HOUR = 3_600_000;

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];

async function insertRow(ds: DataSource, table: string, row: Record<string, unknown>): Promise<number> {
  const columns = Object.keys(row);
  await ds.query(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    Object.values(row),
  );
  const [{ id }] = await ds.query(`SELECT MAX(id) AS id FROM ${table}`);
  return Number(id);
}

/** Graphs (start, work and QC nodes, end; every node reaches the end), accounts (one inactive), teams and jobs. */
export async function seedWorld(ds: DataSource, rnd: () => number, tag: string): Promise<World> {
  const now = toDbTime(new Date());
  const graphs: GraphShape[] = [];
  for (let g = 0; g < 2; g++) {
    const graphId = await insertRow(ds, 'production_graph', {
      code: `${tag}-G${g}`,
      name: `Graph ${g}`,
      created_at: now,
      updated_at: now,
    });
    const size = 5 + Math.floor(rnd() * 4);
    const nodes: number[] = [];
    for (let i = 0; i < size; i++) {
      const kind = i === 0 ? 'start' : i === size - 1 ? 'end' : rnd() < 0.25 ? 'qc' : 'work';
      nodes.push(
        await insertRow(ds, 'graph_node', {
          graph_id: graphId,
          code: `N${i}`,
          name: `Node ${i}`,
          kind,
          station_code: null,
        }),
      );
    }
    const out = new Map<number, number[]>();
    for (let i = 0; i < size - 1; i++) {
      const targets = new Set([nodes[i + 1]]);
      if (i + 2 < size && rnd() < 0.6) targets.add(nodes[i + 2 + Math.floor(rnd() * (size - i - 2))]);
      for (const to of targets)
        await insertRow(ds, 'graph_edge', {
          graph_id: graphId,
          from_node_id: nodes[i],
          to_node_id: to,
          outcome: targets.size > 1 ? `to-${to}` : null,
        });
      out.set(nodes[i], [...targets]);
    }
    graphs.push({ start: nodes[0], end: nodes[size - 1], out });
  }
  const accounts: number[] = [];
  for (let i = 0; i < 7; i++) {
    accounts.push(
      await insertRow(ds, 'account', {
        code: `${tag}-op${i}`,
        name: `Operator ${i}`,
        skills: '[]',
        active: i === 6 ? 0 : 1,
        created_at: now,
      }),
    );
  }
  const teams: World['teams'] = [];
  for (const [i, members] of [[0, 1, 2], [2, 3, 6], [4, 5], []].entries()) {
    const id = await insertRow(ds, 'team', { code: `${tag}-T${i}`, name: `Team ${i}`, created_at: now });
    for (const m of members)
      await ds.query(`INSERT INTO team_member (team_id, account_id) VALUES (?, ?)`, [id, accounts[m]]);
    teams.push({ id, members: members.map((m) => accounts[m]) });
  }
  const jobs: World['jobs'] = [];
  for (let i = 0; i < 6; i++) {
    const graph = graphs[i % graphs.length];
    const graphId = Number((await ds.query(`SELECT graph_id FROM graph_node WHERE id = ?`, [graph.start]))[0].graph_id);
    const id = await insertRow(ds, 'job_ticket', {
      code: `${tag}-J${i}`,
      graph_id: graphId,
      product_code: `P-${i % 3}`,
      quantity: 1,
      priority: 0,
      status: 'in_progress',
      due_at: null,
      open_tokens: 0,
      created_at: now,
      updated_at: now,
    });
    jobs.push({ id, graph });
  }
  return { graphs, jobs, accounts, teams };
}

/**
 * `count` tokens walking their job's graph from spawn times in the last three days: waits up
 * to four hours (some zero), work from a minute to two hours, the odd scrap, routing on
 * completion and finishing at the end node. A walk stops where its next step would be after `now`.
 */
export function walkTokens(world: World, rnd: () => number, count: number, now: number, tag: string): Timeline[] {
  const timelines: Timeline[] = [];
  for (let i = 0; i < count; i++) {
    const job = pick(rnd, world.jobs);
    const events: FactoryEvent[] = [];
    const add = (
      type: EventType,
      nodeId: number,
      at: number,
      operatorId: number | null = null,
      payload: Record<string, unknown> | null = null,
    ) => events.push({ type, nodeId, at, operatorId, payload });
    const operator = () => (rnd() < 0.8 ? pick(rnd, world.accounts) : null);
    let at = now - Math.floor(rnd() * 72 * HOUR);
    let node = job.graph.start;
    add('spawned', node, at);
    for (;;) {
      if (rnd() < 0.7) {
        const team = pick(rnd, world.teams);
        const accountId = rnd() < 0.5 ? pick(rnd, world.accounts) : null;
        add('assigned', node, at, accountId, {
          accountId,
          // sometimes both: a team's open work counts a token of the team and of one of its members once
          teamId: accountId === null || rnd() < 0.3 ? team.id : null,
          path: 'factory',
        });
      }
      at += rnd() < 0.1 ? 0 : Math.floor(rnd() * 4 * HOUR);
      if (at > now) break;
      if (rnd() < 0.03) {
        add('scrapped', node, at, operator(), { reason: 'factory' });
        break;
      }
      add('started', node, at, operator());
      at += 60_000 + Math.floor(rnd() * 2 * HOUR);
      if (at > now) break;
      if (rnd() < 0.03) {
        add('scrapped', node, at, operator(), { reason: 'factory' });
        break;
      }
      const next = pick(rnd, job.graph.out.get(node)!);
      const by = operator();
      add('completed', node, at, by, { outcome: null });
      add('routed', next, at, by, { fromNodeId: node, outcome: null });
      node = next;
      if (node === job.graph.end) {
        add('finished', node, at, by);
        break;
      }
    }
    timelines.push({ serial: `${tag}-${i}`, jobId: job.id, events, written: 0 });
  }
  return timelines;
}

interface TokenRow {
  nodeId: number;
  status: string;
  accountId: number | null;
  teamId: number | null;
}

/** The token row the core would hold after these events. */
function tokenState(events: readonly FactoryEvent[]): TokenRow {
  const state: TokenRow = { nodeId: events[0].nodeId, status: 'waiting', accountId: null, teamId: null };
  for (const e of events) {
    if (e.type === 'routed')
      Object.assign(state, { nodeId: e.nodeId, status: 'waiting', accountId: null, teamId: null });
    else if (e.type === 'assigned')
      Object.assign(state, { accountId: e.payload!.accountId, teamId: e.payload!.teamId });
    else if (e.type === 'started') state.status = 'in_progress';
    else if (e.type === 'finished') state.status = 'done';
    else if (e.type === 'scrapped') state.status = 'scrapped';
  }
  return state;
}

/**
 * Writes every event at or before `cutoff(timeline)` that is not written yet, all tokens'
 * events interleaved in time order, and brings the token rows to the state they leave.
 */
export async function writeEvents(
  ds: DataSource,
  timelines: Timeline[],
  cutoff: (t: Timeline) => number,
): Promise<number> {
  const fresh: Array<{ timeline: Timeline; event: FactoryEvent }> = [];
  for (const timeline of timelines) {
    const limit = cutoff(timeline);
    let upTo = timeline.written;
    while (upTo < timeline.events.length && timeline.events[upTo].at <= limit) upTo++;
    if (upTo === timeline.written) continue;
    const created = toDbTime(new Date(timeline.events[0].at));
    const state = tokenState(timeline.events.slice(0, upTo));
    const row = [
      state.nodeId,
      state.status,
      state.accountId,
      state.teamId,
      toDbTime(new Date(timeline.events[upTo - 1].at)),
    ];
    if (timeline.id === undefined) {
      await ds.query(
        `INSERT INTO token (serial, job_id, current_node_id, status, assigned_account_id, assigned_team_id, updated_at, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`,
        [timeline.serial, timeline.jobId, ...row, created],
      );
      timeline.id = Number((await ds.query(`SELECT id FROM token WHERE serial = ?`, [timeline.serial]))[0].id);
    } else {
      await ds.query(
        `UPDATE token SET current_node_id = ?, status = ?, assigned_account_id = ?, assigned_team_id = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
        [...row, timeline.id],
      );
    }
    for (const event of timeline.events.slice(timeline.written, upTo)) fresh.push({ timeline, event });
    timeline.written = upTo;
  }
  // stable: a token's events at the same instant keep their order
  fresh.sort((a, b) => a.event.at - b.event.at);
  const chunk = insertChunkRows(dialectOf(ds), 6);
  for (let i = 0; i < fresh.length; i += chunk) {
    const rows = fresh.slice(i, i + chunk);
    await ds.query(
      `INSERT INTO token_event (token_id, type, node_id, operator_id, occurred_at, payload) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flatMap(({ timeline, event: e }) => [
        timeline.id,
        e.type,
        e.nodeId,
        e.operatorId,
        toDbTime(new Date(e.at)),
        e.payload ? JSON.stringify(e.payload) : null,
      ]),
    );
  }
  return fresh.length;
}
