import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Extends } from '../common/extension/extension-point.js';
import { present } from '../common/present.js';
import type { Environment } from '../config/environment.js';
import { PhaseRegistry } from '../phases/phase-registry.service.js';
import { DEMO_GRAPH_CODE, DEMO_SEED_CONTRIBUTOR, type DemoSeedContributor } from '../production/demo-seed.service.js';
import { localMoment } from './availability.js';
import { AvailabilityService } from './availability.service.js';
import { LeaveService } from './leave.service.js';
import { PlanPrioritiesService } from './plan-priorities.service.js';
import { ProductionRefsRepository } from './production-refs.repository.js';

const DAY = 86_400_000;
const ACTOR = 'demo-seed';

/**
 * Node plans with priorities. KIT names OP-19 first (the manual plan) next to the cutting
 * crew at the same priority, so the comparison shows both methods at work: OP-19 is on leave.
 */
const PLANS: Partial<Record<string, Array<{ operatorCode?: string; teamCode?: string; priority: number }>>> = {
  KIT: [
    { operatorCode: 'OP-19', priority: 1 },
    { teamCode: 'TEAM-CUT', priority: 1 },
  ],
  CUT: [
    { teamCode: 'TEAM-CUT', priority: 1 },
    { teamCode: 'TEAM-WELD', priority: 2 },
  ],
  WELD: [{ teamCode: 'TEAM-WELD', priority: 1 }],
  PAINT: [{ teamCode: 'TEAM-FINISH', priority: 1 }],
  QC: [
    { operatorCode: 'OP-20', priority: 1 },
    { operatorCode: 'OP-18', priority: 2 },
  ],
  REWORK: [
    { operatorCode: 'OP-12', priority: 1 },
    { operatorCode: 'OP-11', priority: 2 },
  ],
  PACK: [
    { teamCode: 'TEAM-FINISH', priority: 1 },
    { operatorCode: 'OP-19', priority: 2 },
  ],
};

/**
 * Phase 7's part of `seed --demo`, when its schema is applied: plans with priorities, an
 * approved leave (OP-19, around now), a pending one, a day off today (OP-03), weekday shifts
 * for OP-20 and the welding crew. Seeded once: priorities on the KIT plan mark it done.
 */
@Injectable()
@Extends(DEMO_SEED_CONTRIBUTOR)
export class AssignmentDemoSeedService implements DemoSeedContributor {
  readonly name = 'assignment';
  private readonly timeZone: string;

  constructor(
    private readonly registry: PhaseRegistry,
    private readonly refs: ProductionRefsRepository,
    private readonly plans: PlanPrioritiesService,
    private readonly availability: AvailabilityService,
    private readonly leave: LeaveService,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('ASSIGNMENT_TIMEZONE', { infer: true });
  }

  async seed(): Promise<string | null> {
    if ((await this.registry.schemaState(7)) !== 'applied') return null;
    const nodes = await this.refs.graphNodes(DEMO_GRAPH_CODE);
    const kit = nodes.find((n) => n.code === 'KIT');
    if (!kit || (await this.plans.nodePlan(kit.id)).some((e) => e.priority !== null)) return null;
    for (const n of nodes) {
      const plan = PLANS[n.code];
      if (plan) await this.plans.setNodePlan(n.id, plan);
    }

    const ids = await this.refs.accountIds(['OP-03', 'OP-05', 'OP-19', 'OP-20']);
    // the core's demo seed, which runs first, creates these accounts
    const account = (code: string) => present(ids.get(code), `demo account ${code}`);
    const now = Date.now();
    const holiday = await this.leave.create(
      {
        operatorId: account('OP-19'),
        startsAt: new Date(now - DAY),
        endsAt: new Date(now + 14 * DAY),
        reason: 'demo: holiday',
      },
      ACTOR,
    );
    await this.leave.decide(holiday.id, 'approve', ACTOR);
    await this.leave.create(
      {
        operatorId: account('OP-05'),
        startsAt: new Date(now + 30 * DAY),
        endsAt: new Date(now + 33 * DAY),
        reason: 'demo: training',
      },
      ACTOR,
    );
    const today = localMoment(new Date(now), this.timeZone).date;
    await this.availability.set('operator', account('OP-03'), {
      weekly: [],
      exceptions: [{ date: today, available: false }],
    });
    const weekdays = [1, 2, 3, 4, 5];
    await this.availability.set('operator', account('OP-20'), {
      weekly: weekdays.map((weekday) => ({ weekday, start: '06:00', end: '14:00' })),
      exceptions: [],
    });
    const weld = await this.refs.teamId('TEAM-WELD');
    if (weld !== null)
      await this.availability.set('team', weld, {
        weekly: weekdays.map((weekday) => ({ weekday, start: '06:00', end: '22:00' })),
        exceptions: [],
      });
    return `assignment: plans with priorities on ${Object.keys(PLANS).length} nodes, OP-19 on approved leave, OP-03 off today, weekday shifts for OP-20 and TEAM-WELD; compare with GET /api/v1/assignment/compare?jobId=... or "assignment compare --job DEMO-J003"`;
  }
}
