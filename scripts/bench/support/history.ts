import { DataSource } from 'typeorm';
import { addMs, dialectOf, intDiv, toDbTime } from '../../../src/database/dialect.js';

/*
 * Token history generated set-based (INSERT ... SELECT over a numbers table), for the benches
 * that need millions of token events: bench:dashboard and bench:scale.
 */

/** The nodes a walk works at: the start node and the four work nodes; the sixth is the end. */
const WORK_NODES = 5;

export interface World {
  /** start, four work nodes, end */
  nodes: number[];
  jobs: number[];
  accounts: number[];
  teams: number[];
}

/**
 * The people and jobs a walk draws from: 20 jobs of the graph in `jobStatus`, six operators
 * (`<prefix>OP0..5`) in three teams (`<prefix>T0..2`), two to a team.
 */
export async function seedPeopleAndJobs(
  ds: DataSource,
  graphId: number,
  nodes: number[],
  { prefix, jobStatus }: { prefix: string; jobStatus: 'done' | 'in_progress' },
): Promise<World> {
  const now = toDbTime(new Date());
  const ids = async (table: string) =>
    (await ds.query<Array<{ id: number }>>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
  for (let i = 0; i < 20; i++)
    await ds.query(
      `INSERT INTO job_ticket (code, graph_id, product_code, quantity, priority, status, open_tokens, created_at, updated_at) VALUES (?, ?, ?, 1, 0, ?, 0, ?, ?)`,
      [`${prefix}J${i}`, graphId, `PRODUCT-${i % 5}`, jobStatus, now, now],
    );
  for (let i = 0; i < 6; i++)
    await ds.query(`INSERT INTO account (code, name, skills, active, created_at) VALUES (?, ?, '[]', 1, ?)`, [
      `${prefix}OP${i}`,
      `op ${i}`,
      now,
    ]);
  for (let i = 0; i < 3; i++)
    await ds.query(`INSERT INTO team (code, name, created_at) VALUES (?, ?, ?)`, [`${prefix}T${i}`, `team ${i}`, now]);
  const [accounts, teams] = [await ids('account'), await ids('team')];
  for (const [i, account] of accounts.entries())
    await ds.query(`INSERT INTO team_member (team_id, account_id) VALUES (?, ?)`, [teams[i % 3], account]);
  return { nodes, jobs: await ids('job_ticket'), accounts, teams };
}

/** `CASE expr WHEN 0 THEN values[0] ... END`: picks among ids by a computed index. */
const choose = (expr: string, values: number[]) =>
  `CASE ${expr} ${values.map((v, i) => `WHEN ${i} THEN ${v}`).join(' ')} END`;

/** 0 .. 10^digits - 1, from a cross join of digit tables. */
function numbers(digits: number): string {
  const digit =
    '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  const names = Array.from({ length: digits }, (_, i) => `d${i}`);
  return `(SELECT ${names.map((n, i) => `${n}.d * ${10 ** i}`).join(' + ')} AS n FROM ${names.map((n) => `${digit} ${n}`).join(' CROSS JOIN ')})`;
}

/**
 * `count` tokens spawned evenly from `from` over `spanMs`, each walking the line: at node j a
 * wait of up to `scaleMs` and work of up to `scaleMs` (pseudo-random per token and node),
 * routed on at completion, finished at the end node. The last (1 - doneShare) of them stop
 * partway: waiting (1 + 3m events) or in progress (2 + 3m) at node m.
 */
export async function walk(
  ds: DataSource,
  w: World,
  count: number,
  from: Date,
  spanMs: number,
  scaleMs: number,
  doneShare: number,
): Promise<void> {
  const d = dialectOf(ds);
  // a BIGINT on MariaDB, which mysql2 hands over as a string
  const [{ nextId }] = await ds.query<Array<{ nextId: number | string }>>(
    `SELECT COALESCE(MAX(id), 0) + 1 AS nextId FROM token`,
  );
  const first = Number(nextId);
  const done = Math.floor(count * doneShare);
  const m = '(n % 5)';
  const s = `(${intDiv(d, 'n', '5')} % 2)`;
  const open = (value: string, otherwise: string) => `CASE WHEN n < ${done} THEN ${otherwise} ELSE ${value} END`;
  await ds.query(
    `INSERT INTO token (serial, job_id, current_node_id, status, assigned_account_id, assigned_team_id, version, created_at, updated_at)
     SELECT n + ${first}, ${choose(`(n % ${w.jobs.length})`, w.jobs)},
       ${open(choose(m, w.nodes.slice(0, WORK_NODES)), String(w.nodes[WORK_NODES]))},
       ${open(`CASE WHEN ${s} = 0 THEN 'waiting' ELSE 'in_progress' END`, `'done'`)},
       NULL, ${open(choose('(n % 3)', w.teams), 'NULL')}, 1, ${addMs(d, `'${toDbTime(from)}'`, `n * ${Math.floor(spanMs / count)}`)}, '${toDbTime(from)}'
     FROM ${numbers(String(count - 1).length)} nums WHERE n < ${count}
     ORDER BY n`,
  );
  // one row per event of a finished walk: k = 0 spawned; then per node j: started, completed, routed to j + 1; finished
  const wait = (j: number) => `((t.id * 7919 + ${j * 104729}) % ${scaleMs})`;
  const work = (j: number) => `(${Math.floor(scaleMs / 60)} + (t.id * 31 + ${j * 17}) % ${scaleMs})`;
  const arrival = (j: number) =>
    j === 0 ? '0' : Array.from({ length: j }, (_, i) => `${wait(i)} + ${work(i)}`).join(' + ');
  const steps: Array<{ type: string; node: number; offset: string; payload: string | null }> = [
    { type: 'spawned', node: w.nodes[0], offset: '0', payload: null },
  ];
  for (let j = 0; j < WORK_NODES; j++) {
    const started = `${arrival(j)} + ${wait(j)}`;
    steps.push({ type: 'started', node: w.nodes[j], offset: started, payload: null });
    steps.push({ type: 'completed', node: w.nodes[j], offset: `${started} + ${work(j)}`, payload: '{"outcome":null}' });
    steps.push({
      type: 'routed',
      node: w.nodes[j + 1],
      offset: `${started} + ${work(j)}`,
      payload: `{"fromNodeId":${w.nodes[j]},"outcome":null}`,
    });
  }
  steps.push({ type: 'finished', node: w.nodes[WORK_NODES], offset: arrival(WORK_NODES), payload: null });
  const nodeIndex = `CASE t.current_node_id ${w.nodes.map((id, i) => `WHEN ${id} THEN ${i}`).join(' ')} END`;
  const eventCount = `CASE t.status WHEN 'done' THEN 17 WHEN 'waiting' THEN 1 + 3 * ${nodeIndex} ELSE 2 + 3 * ${nodeIndex} END`;
  const operator = choose(`(t.id % ${w.accounts.length})`, w.accounts);
  // one statement per step, each in token order: a token's events get ids in their order
  // without a sort (MariaDB sorts this much in an on-disk temporary table)
  for (const [k, step] of steps.entries()) {
    await ds.query(
      `INSERT INTO token_event (token_id, type, node_id, operator_id, occurred_at, payload)
       SELECT t.id, '${step.type}', ${step.node}, ${step.type === 'started' || step.type === 'completed' ? operator : 'NULL'},
         ${addMs(d, 't.created_at', step.offset)}, ${step.payload ? `'${step.payload}'` : 'NULL'}
       FROM token t WHERE t.id >= ? AND ${eventCount} > ${k}
       ORDER BY t.id`,
      [first],
    );
  }
}
