import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { DataSource } from 'typeorm';
import { AvailabilityService } from '../../src/assignment/availability.service.js';
import { AvailabilityDto } from '../../src/assignment/dto/availability.dto.js';
import { CreateLeaveDto } from '../../src/assignment/dto/leave.dto.js';
import { PlanEntryInputDto } from '../../src/assignment/dto/plan.dto.js';
import { LeaveService } from '../../src/assignment/leave.service.js';
import { PlanPrioritiesService } from '../../src/assignment/plan-priorities.service.js';
import { insertChunkRows, toDbTime, dialectOf } from '../../src/database/dialect.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { DagRoutingService } from '../../src/production/dag-routing.service.js';
import { NodeKind } from '../../src/production/entities/production-graph.entity.js';
import { GraphsService } from '../../src/production/graphs.service.js';
import { JobsService } from '../../src/production/jobs.service.js';
import { TokenLifecycleService } from '../../src/production/token-lifecycle.service.js';
import type { EntityManager } from 'typeorm';
import { AssignmentLogService } from '../../src/assignment/assignment-log.service.js';
import { AutomaticAssignerService } from '../../src/assignment/automatic-assigner.service.js';
import { AssignmentMethod } from '../../src/assignment/entities/assignment-log.entity.js';
import { AUTOMATIC_ASSIGNER, type AutomaticAssigner } from '../../src/production/hooks/assignment-hook.js';
import { ExtensionRegistry } from '../../src/common/extension/extension-point.js';
import type { JobRef, NodeRef, TokenRef } from '../../src/production/production.types.js';
import { present, runOnBothDatabases, timed, type BenchTarget } from './runner.js';
import { bootMigratedApp, type BenchApp } from './support/app-context.js';
import { firstSide, interleavedRounds, ratioFigure, roundsFromArgs } from './stats.js';

/**
 * `npm run bench:assignment`: the cost per token of automatic assignment against the manual
 * path, measured in the same run on SQLite and MariaDB. A factory of 500 operators in 25 teams
 * of 20 and a 50-node line; each work node plans two teams (priorities 1 and 2) and three
 * operators (priority 1), some operators keep weekly windows and some are on leave, and each
 * operator has a history of HISTORY_PER_OPERATOR finished tokens, as after a few months. In
 * interleaved rounds, each path (runtime flag off, then on; the order alternates) spawns jobs
 * of 100 tokens and routes every token once, one transaction per route. Goal: automatic <=
 * 1.5x manual, on the median round's ratio and its interval. A third side in each round is the
 * floor of the automatic path: the manual path plus the audit row and nothing else (an
 * assigner that writes one assignment_log row per token, with candidates as large as the
 * automatic path's, and leaves the choice to the manual plan).
 */
const OPERATORS = 500;
const TEAM_SIZE = 20;
const NODES = 50;
const JOB_SIZE = 100;
const JOBS_PER_ROUND = Number(process.env.BENCH_JOBS_PER_ROUND ?? 4);
const rounds = roundsFromArgs();
const HISTORY_PER_OPERATOR = 200;
const RUNTIME = 'enable_assignment_runtime';

interface Totals {
  spawnMs: number;
  routeMs: number;
  tokens: number;
}

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const app = await bootMigratedApp(db.env);
  try {
    const { graphId, firstWorkNode } = await buildFactory(app);
    const flags = app.get(FlagsService);
    const jobs = app.get(JobsService);
    const lifecycle = app.get(TokenLifecycleService);
    const routing = app.get(DagRoutingService);
    const ds = app.get(DataSource);
    let jobNo = 0;
    const totals: Record<Mode, Totals> = {
      manual: { spawnMs: 0, routeMs: 0, tokens: 0 },
      auto: { spawnMs: 0, routeMs: 0, tokens: 0 },
      floor: { spawnMs: 0, routeMs: 0, tokens: 0 },
    };
    const extensions = app.get(ExtensionRegistry);
    const automatic = app.get(AutomaticAssignerService);
    const floor = new AuditOnlyAssigner(app.get(AssignmentLogService), ds);

    const run = async (mode: Mode, measured: boolean) => {
      await flags.set(RUNTIME, mode === 'auto', { actor: 'bench', reason: 'bench round' });
      extensions.replace(AUTOMATIC_ASSIGNER, [mode === 'floor' ? floor : automatic]);
      let total = 0;
      for (let j = 0; j < JOBS_PER_ROUND; j++) {
        const job = await jobs.create({ code: `B-${++jobNo}`, graphId, productCode: 'P', quantity: JOB_SIZE });
        await jobs.release(job.id);
        const spawnMs = await timed(() => lifecycle.spawnTokens(job.id));
        const tokens = await ds.query<Array<{ id: number }>>(`SELECT id FROM token WHERE job_id = ? ORDER BY id`, [
          job.id,
        ]);
        const routeMs = await timed(async () => {
          for (const t of tokens) await routing.routeToNode(t.id, firstWorkNode);
        });
        total += spawnMs + routeMs;
        if (measured) {
          totals[mode].spawnMs += spawnMs;
          totals[mode].routeMs += routeMs;
          totals[mode].tokens += tokens.length;
        }
      }
      return total;
    };
    const goal = { op: '<=' as const, value: 1.5 };
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        // rotate which path goes first, so growth of the tables favours none
        const ms = { manual: 0, auto: 0, floor: 0 };
        const modes: Mode[] = ['manual', 'auto', 'floor'];
        const at = ((i % 3) + 3) % 3;
        const order = [...modes.slice(at), ...modes.slice(0, at)];
        if (firstSide(i) === 'b') order.reverse();
        for (const mode of order) ms[mode] = await run(mode, i >= 0);
        return ms;
      },
      (r) => [
        ratioFigure(
          r.map((m) => m.auto / m.manual),
          goal,
        ).verdict,
      ],
    );
    extensions.replace(AUTOMATIC_ASSIGNER, [automatic]);
    const per = (t: Totals, ms: number) => (ms * 1000) / t.tokens;
    const m = totals.manual;
    const a = totals.auto;
    // COUNT(*) is a BIGINT on MariaDB, which mysql2 hands over as a string
    const logRows = Number(
      (await ds.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM assignment_log`))[0].n,
    );
    return {
      'tokens per path': m.tokens,
      'spawn, manual (µs/token)': per(m, m.spawnMs).toFixed(0),
      'spawn, automatic (µs/token)': per(a, a.spawnMs).toFixed(0),
      'spawn ratio': (a.spawnMs / m.spawnMs).toFixed(2),
      'route, manual (µs/token)': per(m, m.routeMs).toFixed(0),
      'route, automatic (µs/token)': per(a, a.routeMs).toFixed(0),
      'route ratio': (a.routeMs / m.routeMs).toFixed(2),
      'spawn + route, manual (µs/token)': per(m, m.spawnMs + m.routeMs).toFixed(0),
      'spawn + route, automatic (µs/token)': per(a, a.spawnMs + a.routeMs).toFixed(0),
      'automatic / manual': ratioFigure(
        samples.map((m) => m.auto / m.manual),
        goal,
      ),
      'floor (manual + audit row) / manual': ratioFigure(
        samples.map((m) => m.floor / m.manual),
        null,
      ),
      'automatic / floor': ratioFigure(
        samples.map((m) => m.auto / m.floor),
        null,
      ),
      'assignment_log rows': logRows,
    };
  } finally {
    await app.close();
    await db.drop();
  }
}

type Mode = 'manual' | 'auto' | 'floor';

/**
 * The automatic path's floor: the audit row per token, with candidates copied from a real
 * automatic decision (so the row is as large), and no decision: the manual plan assigns.
 */
class AuditOnlyAssigner implements AutomaticAssigner {
  readonly name = 'bench-audit-only';
  private candidates: string | null = null;

  constructor(
    private readonly log: AssignmentLogService,
    private readonly ds: DataSource,
  ) {}

  async assign(tokens: readonly TokenRef[], node: NodeRef, job: JobRef, manager: EntityManager): Promise<null> {
    const candidates = (this.candidates ??=
      (
        await this.ds.query<Array<{ candidates: string }>>(
          `SELECT candidates FROM assignment_log WHERE method = 'auto' ORDER BY id DESC LIMIT 1`,
        )
      ).at(0)?.candidates ?? '[]');
    const at = new Date();
    await this.log.append(
      manager,
      tokens.map((t) => ({
        tokenId: t.id,
        jobId: job.id,
        nodeId: node.id,
        accountId: null,
        teamId: null,
        method: AssignmentMethod.Auto,
        reason: null,
        candidatesJson: candidates,
        directory: 'local',
        decidedAt: at,
        durationUs: 0,
      })),
    );
    return null;
  }
}

/** 500 operators in 25 teams, a 50-node line, plans with priorities, windows and leave. */
async function buildFactory(app: BenchApp) {
  const ds = app.get(DataSource);
  const now = toDbTime(new Date());
  const chunk = insertChunkRows(dialectOf(ds), 5);
  for (let first = 1; first <= OPERATORS; first += chunk) {
    const n = Math.min(chunk, OPERATORS - first + 1);
    const params = Array.from({ length: n }, (_, i) => [
      `BOP-${first + i}`,
      `Operator ${first + i}`,
      '[]',
      1,
      now,
    ]).flat();
    await ds.query(
      `INSERT INTO account (code, name, skills, active, created_at) VALUES ${Array(n).fill('(?, ?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
  const accounts = await ds.query<Array<{ id: number }>>(`SELECT id FROM account WHERE code LIKE 'BOP-%' ORDER BY id`);
  const teams = OPERATORS / TEAM_SIZE;
  for (let t = 0; t < teams; t++) {
    await ds.query(`INSERT INTO team (code, name, created_at) VALUES (?, ?, ?)`, [`BTEAM-${t}`, `Team ${t}`, now]);
    const [team] = await ds.query<Array<{ id: number }>>(`SELECT id FROM team WHERE code = ?`, [`BTEAM-${t}`]);
    const members = accounts.slice(t * TEAM_SIZE, (t + 1) * TEAM_SIZE);
    await ds.query(
      `INSERT INTO team_member (team_id, account_id) VALUES ${members.map(() => '(?, ?)').join(', ')}`,
      members.flatMap((m) => [team.id, m.id]),
    );
  }
  const nodes = [
    { code: 'N0', name: 'start', kind: NodeKind.Start },
    ...Array.from({ length: NODES - 2 }, (_, i) => ({ code: `N${i + 1}`, name: `work ${i + 1}`, kind: NodeKind.Work })),
    { code: `N${NODES - 1}`, name: 'end', kind: NodeKind.End },
  ];
  const graph = await app.get(GraphsService).create({
    code: 'BENCH-A',
    name: 'bench',
    nodes,
    edges: nodes.slice(1).map((n, i) => ({ from: nodes[i].code, to: n.code })),
  });
  const ids = new Map(graph.nodes.map((n) => [n.code, n.id]));
  const node = (code: string) => present(ids.get(code), `node ${code}`);
  await insertHistory(
    app,
    graph.graph.id,
    node(`N${NODES - 1}`),
    accounts.map((a) => a.id),
  );
  const plans = app.get(PlanPrioritiesService);
  const op = (i: number) => `BOP-${(i % OPERATORS) + 1}`;
  for (let i = 0; i < NODES - 1; i++) {
    // the DTOs as the validation pipe hands them to the services
    await plans.setNodePlan(
      node(`N${i}`),
      plainToInstance(PlanEntryInputDto, [
        { teamCode: `BTEAM-${i % teams}`, priority: 1 },
        { teamCode: `BTEAM-${(i + 7) % teams}`, priority: 2 },
        ...[0, 1, 2].map((k) => ({ operatorCode: op(i * 10 + 200 + k), priority: 1 })),
      ]),
    );
  }
  // every fifth operator keeps weekday shifts of all day; every twentieth is on leave
  const availability = app.get(AvailabilityService);
  const leave = app.get(LeaveService);
  for (let i = 0; i < OPERATORS; i += 5)
    await availability.set(
      'operator',
      accounts[i].id,
      plainToInstance(AvailabilityDto, {
        weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
        exceptions: [],
      }),
    );
  for (let i = 3; i < OPERATORS; i += 20) {
    const l = await leave.create(
      plainToInstance(CreateLeaveDto, {
        operatorId: accounts[i].id,
        startsAt: new Date(Date.now() - 86_400_000),
        endsAt: new Date(Date.now() + 86_400_000),
      }),
      'bench',
    );
    await leave.decide(l.id, 'approve', 'bench');
  }
  return { graphId: graph.graph.id, firstWorkNode: node('N1') };
}

/** Finished tokens of one old job, spread over every operator: the history a workload count must not read. */
async function insertHistory(app: BenchApp, graphId: number, endNode: number, accountIds: number[]) {
  const ds = app.get(DataSource);
  const total = HISTORY_PER_OPERATOR * accountIds.length;
  const job = await app.get(JobsService).create({ code: 'B-HISTORY', graphId, productCode: 'P', quantity: total });
  const now = toDbTime(new Date());
  const chunk = insertChunkRows(dialectOf(ds), 8);
  for (let first = 0; first < total; first += chunk) {
    const n = Math.min(chunk, total - first);
    const params = Array.from({ length: n }, (_, i) => [
      `H-${first + i}`,
      job.id,
      endNode,
      'done',
      accountIds[(first + i) % accountIds.length],
      1,
      now,
      now,
    ]).flat();
    await ds.query(
      `INSERT INTO token (serial, job_id, current_node_id, status, assigned_account_id, version, created_at, updated_at) VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

await runOnBothDatabases('bench:assignment (automatic vs manual assignment, per token)', bench);
