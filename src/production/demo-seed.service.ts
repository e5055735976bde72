import { Injectable, Logger } from '@nestjs/common';
import { ExtensionPoint, ExtensionRegistry } from '../common/extension/extension-point.js';
import { present } from '../common/present.js';
import { AccountsService } from './accounts.service.js';
import { AssignmentPlansService } from './assignment-plans.service.js';
import { NodeKind } from './entities/production-graph.entity.js';
import { GraphsService } from './graphs.service.js';
import { JobsService } from './jobs.service.js';
import { TokenLifecycleService } from './token-lifecycle.service.js';

export const DEMO_GRAPH_CODE = 'DEMO-ASSEMBLY';

const NODES = [
  { code: 'KIT', name: 'Kitting', kind: NodeKind.Start, stationCode: 'ST-KIT' },
  { code: 'CUT', name: 'Cutting', kind: NodeKind.Work, stationCode: 'ST-CUT' },
  { code: 'WELD', name: 'Welding', kind: NodeKind.Work, stationCode: 'ST-WELD' },
  { code: 'PAINT', name: 'Painting', kind: NodeKind.Work, stationCode: 'ST-PAINT' },
  { code: 'QC', name: 'Quality check', kind: NodeKind.Qc, stationCode: 'ST-QC' },
  { code: 'REWORK', name: 'Rework', kind: NodeKind.Work, stationCode: 'ST-RWK' },
  { code: 'PACK', name: 'Packing', kind: NodeKind.Work, stationCode: 'ST-PACK' },
  { code: 'SHIP', name: 'Shipped', kind: NodeKind.End, stationCode: null },
];

const EDGES = [
  { from: 'KIT', to: 'CUT' },
  { from: 'CUT', to: 'WELD' },
  { from: 'WELD', to: 'PAINT' },
  { from: 'PAINT', to: 'QC' },
  { from: 'QC', to: 'PACK', outcome: 'pass' },
  { from: 'QC', to: 'REWORK', outcome: 'fail' },
  { from: 'REWORK', to: 'PACK' },
  { from: 'PACK', to: 'SHIP' },
];

const SKILLS = ['kitting', 'cutting', 'welding', 'painting', 'qc', 'rework', 'packing'];
const TEAMS = [
  { code: 'TEAM-CUT', name: 'Cutting crew', members: [1, 2, 3, 4, 5, 6] },
  { code: 'TEAM-WELD', name: 'Welding crew', members: [7, 8, 9, 10, 11, 12] },
  { code: 'TEAM-FINISH', name: 'Finishing crew', members: [13, 14, 15, 16, 17, 18] },
];
/** Node plans: a team or an operator per node. */
const PLANS: Array<{ node: string; teamCode?: string; operatorCode?: string }> = [
  { node: 'KIT', operatorCode: 'OP-19' },
  { node: 'CUT', teamCode: 'TEAM-CUT' },
  { node: 'WELD', teamCode: 'TEAM-WELD' },
  { node: 'PAINT', teamCode: 'TEAM-FINISH' },
  { node: 'QC', operatorCode: 'OP-20' },
  { node: 'REWORK', operatorCode: 'OP-12' },
  { node: 'PACK', teamCode: 'TEAM-FINISH' },
];
const JOBS = [
  { code: 'DEMO-J001', productCode: 'WIDGET-A', quantity: 5, priority: 2, spawn: true },
  { code: 'DEMO-J002', productCode: 'WIDGET-B', quantity: 8, priority: 1, spawn: true },
  { code: 'DEMO-J003', productCode: 'WIDGET-A', quantity: 12, priority: 0, spawn: false },
];
/** The job seeded last: once it exists, so does everything else. */
const LAST_JOB_CODE = JOBS[JOBS.length - 1].code;

export interface DemoSeedResult {
  created: boolean;
  graphId: number;
  jobs: Array<{ code: string; status: string; firstSerial: string | null }>;
  /** One line per contributor that seeded something. */
  extras: string[];
}

/** A phase's demo data (Phase 8's OEM tickets), seeded after the factory; it skips what exists and returns null when it seeded nothing. */
export interface DemoSeedContributor {
  readonly name: string;
  seed(): Promise<string | null>;
}

/** Where a phase adds its demo data: @Extends(DEMO_SEED_CONTRIBUTOR). */
export const DEMO_SEED_CONTRIBUTOR = new ExtensionPoint<DemoSeedContributor>('demo seed contributor', 'many');

const op = (i: number) => `OP-${String(i).padStart(2, '0')}`;

/**
 * The quickstart's demo factory, built through the real services: an 8-node graph with a QC
 * branch, 20 operators, 3 teams, node plans, a job override and three released jobs, two of
 * them spawned so their tokens can be scanned at once.
 */
@Injectable()
export class DemoSeedService {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    private readonly extensions: ExtensionRegistry,
    private readonly graphs: GraphsService,
    private readonly accounts: AccountsService,
    private readonly plans: AssignmentPlansService,
    private readonly jobs: JobsService,
    private readonly lifecycle: TokenLifecycleService,
  ) {}

  /**
   * Seeds what is missing. Every step skips what exists, so an interrupted seed can simply be
   * run again; the last job is the mark of a complete seed.
   */
  async seed(): Promise<DemoSeedResult> {
    const factory = await this.seedFactory();
    const extras: string[] = [];
    for (const contributor of this.extensions.all(DEMO_SEED_CONTRIBUTOR)) {
      const line = await contributor.seed();
      if (line) extras.push(line);
    }
    return { ...factory, extras };
  }

  private async seedFactory(): Promise<Omit<DemoSeedResult, 'extras'>> {
    const existingGraph = await this.graphs.findByCode(DEMO_GRAPH_CODE);
    if (existingGraph && (await this.jobs.findByCode(LAST_JOB_CODE)))
      return { created: false, graphId: existingGraph.id, jobs: [] };

    const operators = new Set((await this.accounts.listOperators()).map((a) => a.code));
    for (let i = 1; i <= 20; i++) {
      if (operators.has(op(i))) continue;
      await this.accounts.createOperator({
        code: op(i),
        name: `Operator ${i}`,
        skills: [...new Set([SKILLS[(i - 1) % SKILLS.length], 'qc'])],
      });
    }
    const teams = new Set((await this.accounts.listTeams()).map((t) => t.team.code));
    for (const t of TEAMS)
      if (!teams.has(t.code))
        await this.accounts.createTeam({ code: t.code, name: t.name, memberCodes: t.members.map(op) });
    const graph = existingGraph
      ? await this.graphs.get(existingGraph.id)
      : await this.graphs.create({ code: DEMO_GRAPH_CODE, name: 'Demo assembly line', nodes: NODES, edges: EDGES });
    const nodeIds = new Map(graph.nodes.map((n) => [n.code, n.id]));
    const nodeId = (code: string) => present(nodeIds.get(code), `demo node ${code}`);
    for (const p of PLANS) await this.plans.setNodePlan(nodeId(p.node), p);

    const jobs: DemoSeedResult['jobs'] = [];
    for (const j of JOBS) {
      if (await this.jobs.findByCode(j.code)) continue;
      const job = await this.jobs.create({
        code: j.code,
        graphId: graph.graph.id,
        productCode: j.productCode,
        quantity: j.quantity,
        priority: j.priority,
      });
      await this.jobs.release(job.id);
      if (j.code === 'DEMO-J002') await this.plans.setJobOverride(job.id, nodeId('QC'), { operatorCode: 'OP-18' });
      const spawned = j.spawn ? await this.lifecycle.spawnTokens(job.id) : null;
      jobs.push({
        code: j.code,
        status: spawned ? 'in_progress' : 'released',
        firstSerial: spawned?.firstSerial ?? null,
      });
    }
    this.logger.log({ msg: 'demo factory seeded', graphId: graph.graph.id });
    return { created: true, graphId: graph.graph.id, jobs };
  }
}
