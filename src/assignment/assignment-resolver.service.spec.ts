import type { ConfigService } from '@nestjs/config';
import type { ExtensionRegistry } from '../common/extension/extension-point.js';
import type { Environment } from '../config/environment.js';
import { NodeKind } from '../production/entities/production-graph.entity.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { NodeRef, TokenRef } from '../production/production.types.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import type { Rule } from './availability.js';
import { DirectoryRegistry } from './directory-registry.js';
import type { LocalDirectoryRepository, OperatorAbsences } from './local-directory.repository.js';
import { LocalOperatorDirectory } from './local-operator-directory.js';
import type { DirectoryOperator, DirectoryTeam } from './operator-directory.js';
import type { PlanEntry, PlanRepository } from './plan.repository.js';
import { decideAll, type RankedCandidate } from './ranking.js';
import type { Standing, WorkloadRepository } from './workload.repository.js';

const JOB = 1;
const NODE = 10;
/** A Monday, 10:00 on the factory clock (UTC). */
const AT = new Date('2030-06-03T10:00:00Z');
const TTL_MS = 60_000;

interface FakeOperator {
  active?: boolean;
  workload?: number;
  lastAssignedAt?: number | null;
  rules?: Rule[];
  /** [start, end) of approved leave. */
  leave?: Array<[Date, Date]>;
}

const weekly = (weekday: number, startMinute: number, endMinute: number): Rule => ({
  weekday,
  onDate: null,
  startMinute,
  endMinute,
  available: true,
});

/**
 * The repositories the resolver reads through, in memory: the plans, the local directory's
 * accounts, teams, availability and leave, and the operators' standing. Counts its reads.
 */
class FakeAssignmentFloor
  implements
    Pick<PlanRepository, 'entriesAt'>,
    Pick<WorkloadRepository, 'standings'>,
    Pick<LocalDirectoryRepository, 'operators' | 'teams' | 'operatorAbsences' | 'teamRules'>
{
  readonly byOperator = new Map<number, FakeOperator>();
  readonly byTeam = new Map<number, { members: number[]; rules?: Rule[] }>();
  readonly plan: Array<PlanEntry & { jobId?: number; nodeId: number }> = [];
  planReads = 0;
  standingReads = 0;

  operator(id: number, operator: FakeOperator = {}): this {
    this.byOperator.set(id, operator);
    return this;
  }

  team(id: number, members: number[], rules?: Rule[]): this {
    this.byTeam.set(id, { members, rules });
    return this;
  }

  /** A node plan entry (a job plan entry when `jobId` is given); entries keep the order they are added in. */
  entry(who: { operator: number } | { team: number }, priority: number | null, jobId?: number): this {
    this.plan.push({
      tier: jobId === undefined ? 'node' : 'job',
      jobId,
      nodeId: NODE,
      accountId: 'operator' in who ? who.operator : null,
      teamId: 'team' in who ? who.team : null,
      priority,
    });
    return this;
  }

  async entriesAt(_db: unknown, jobId: number, nodeId: number): Promise<PlanEntry[]> {
    this.planReads++;
    const at = this.plan.filter((e) => e.nodeId === nodeId && (e.tier === 'node' || e.jobId === jobId));
    return [...at.filter((e) => e.tier === 'job'), ...at.filter((e) => e.tier === 'node')].map(
      ({ tier, accountId, teamId, priority }) => ({ tier, accountId, teamId, priority }),
    );
  }

  async standings(_db: unknown, accountIds: readonly number[]): Promise<Map<number, Standing>> {
    this.standingReads++;
    return new Map(
      accountIds.flatMap((id): Array<[number, Standing]> => {
        const o = this.byOperator.get(id);
        return o ? [[id, { workload: o.workload ?? 0, lastAssignedAt: o.lastAssignedAt ?? null }]] : [];
      }),
    );
  }

  async operators(_db: unknown, accountIds: readonly number[]): Promise<DirectoryOperator[]> {
    return accountIds.flatMap((id) => {
      const o = this.byOperator.get(id);
      return o
        ? [{ accountId: id, code: `OP-${id}`, name: `operator ${id}`, active: o.active ?? true, skills: [] }]
        : [];
    });
  }

  async teams(_db: unknown, teamIds: readonly number[]): Promise<Map<number, DirectoryTeam>> {
    return new Map(
      teamIds.flatMap((id): Array<[number, DirectoryTeam]> => {
        const team = this.byTeam.get(id);
        return team
          ? [
              [
                id,
                {
                  teamId: id,
                  code: `TEAM-${id}`,
                  name: `team ${id}`,
                  active: true,
                  memberAccountIds: [...team.members],
                },
              ],
            ]
          : [];
      }),
    );
  }

  async operatorAbsences(
    _db: unknown,
    accountIds: readonly number[],
    date: string,
    at: Date,
  ): Promise<OperatorAbsences> {
    const absences: OperatorAbsences = { rules: new Map(), leave: [] };
    for (const id of accountIds) {
      const operator = this.byOperator.get(id);
      const rules = (operator?.rules ?? []).filter((r) => r.onDate === null || r.onDate === date);
      if (rules.length > 0) absences.rules.set(id, rules);
      for (const [i, [start, end]] of (operator?.leave ?? []).entries())
        if (start <= at && end > at) absences.leave.push({ accountId: id, leaveId: 100 * id + i });
    }
    return absences;
  }

  async teamRules(_db: unknown, teamIds: readonly number[], date: string): Promise<Map<number, Rule[]>> {
    const rules = new Map<number, Rule[]>();
    for (const id of teamIds) {
      const found = (this.byTeam.get(id)?.rules ?? []).filter((r) => r.onDate === null || r.onDate === date);
      if (found.length > 0) rules.set(id, found);
    }
    return rules;
  }
}

function resolverOver(floor: FakeAssignmentFloor): AssignmentResolverService {
  const settings: Partial<Environment> = { ASSIGNMENT_TIMEZONE: 'UTC', ASSIGNMENT_CACHE_TTL_MS: TTL_MS };
  const config = { get: (key: keyof Environment) => settings[key] } as unknown as ConfigService<Environment, true>;
  const local = new LocalOperatorDirectory(floor as unknown as LocalDirectoryRepository, config);
  const registry = new DirectoryRegistry(local, { one: () => null } as unknown as ExtensionRegistry);
  return new AssignmentResolverService(
    floor as unknown as PlanRepository,
    floor as unknown as WorkloadRepository,
    registry,
    config,
  );
}

const NODE_REF: NodeRef = { id: NODE, graphId: 1, code: 'WORK', name: 'work', kind: NodeKind.Work, stationCode: null };
const token = (assignedAccountId: number | null = null): TokenRef => ({
  id: 1,
  serial: 'J#1',
  jobId: JOB,
  currentNodeId: NODE,
  status: TokenStatus.Waiting,
  assignedAccountId,
  assignedTeamId: null,
  version: 1,
});

const order = (candidates: RankedCandidate[]) => candidates.map((c) => [c.operatorId, c.rank]);

describe('AssignmentResolverService ranking (against in-memory repositories)', () => {
  it('picks the least loaded of equally planned operators and ranks the rest by workload', async () => {
    const floor = new FakeAssignmentFloor()
      .operator(1, { workload: 3 })
      .operator(2, { workload: 1 })
      .operator(3, { workload: 2 });
    for (const id of [1, 2, 3]) floor.entry({ operator: id }, 1);
    const decision = await resolverOver(floor).resolve(token(), NODE_REF, AT);
    expect(decision.chosen).toMatchObject({ operatorId: 2, workload: 1, rank: 1 });
    expect(order(decision.candidates)).toEqual([
      [2, 1],
      [3, 2],
      [1, 3],
    ]);
    expect(decision.directory).toBe('local');
  });

  it('breaks a workload tie by least recently assigned (never first), then by operator id', async () => {
    const floor = new FakeAssignmentFloor()
      .operator(3, { workload: 1, lastAssignedAt: 1_000 })
      .operator(4, { workload: 1, lastAssignedAt: 500 })
      .operator(5, { workload: 1 })
      .operator(6, { workload: 1 });
    for (const id of [3, 4, 6, 5]) floor.entry({ operator: id }, 1);
    const decision = await resolverOver(floor).resolve(token(), NODE_REF, AT);
    expect(order(decision.candidates).map(([id]) => id)).toEqual([5, 6, 4, 3]);
  });

  it('ranks the job plan before the node plan and priority before workload; an unset priority comes last', async () => {
    const floor = new FakeAssignmentFloor()
      .operator(1, { workload: 0 })
      .operator(2, { workload: 9 })
      .operator(3, { workload: 5 })
      .operator(4, { workload: 0 });
    floor
      .entry({ operator: 1 }, 2)
      .entry({ operator: 4 }, null)
      .entry({ operator: 3 }, 1)
      .entry({ operator: 2 }, 3, JOB);
    const decision = await resolverOver(floor).resolve(token(), NODE_REF, AT);
    expect(decision.chosen?.operatorId).toBe(2);
    expect(order(decision.candidates)).toEqual([
      [2, 1],
      [3, 2],
      [1, 3],
      [4, 4],
    ]);
  });

  it('excludes operators who are inactive, on leave, off shift or unknown, and ranks them after the eligible ones', async () => {
    const floor = new FakeAssignmentFloor()
      .operator(1, { workload: 0, active: false })
      .operator(2, { workload: 0, leave: [[new Date('2030-06-01T00:00:00Z'), new Date('2030-06-10T00:00:00Z')]] })
      .operator(3, { workload: 0, rules: [weekly(1, 14 * 60, 22 * 60)] })
      .operator(4, {
        workload: 7,
        rules: [weekly(1, 6 * 60, 14 * 60)],
        leave: [[new Date('2030-07-01T00:00:00Z'), new Date('2030-07-10T00:00:00Z')]],
      });
    for (const id of [1, 2, 3, 4, 99]) floor.entry({ operator: id }, 1);
    const decision = await resolverOver(floor).resolve(token(), NODE_REF, AT);
    expect(decision.chosen).toMatchObject({ operatorId: 4, workload: 7, rank: 1 });
    expect(decision.candidates.map((c) => [c.operatorId, c.rank, c.exclusions.map((e) => e.reason)])).toEqual([
      [4, 1, []],
      [1, null, ['inactive']],
      [2, null, ['on_leave']],
      [3, null, ['outside_availability_window']],
      [99, null, ['not_in_directory']],
    ]);
  });

  it('expands a team to its available members, and passes over a team off shift for the next priority', async () => {
    const floor = new FakeAssignmentFloor()
      .operator(1, { workload: 4 })
      .operator(2, { workload: 2 })
      .operator(3, { workload: 0, active: false })
      .operator(5, { workload: 0 })
      .team(20, [5], [weekly(2, 0, 24 * 60)])
      .team(21, [1, 2, 3]);
    floor.entry({ team: 20 }, 1).entry({ team: 21 }, 2);
    const resolver = resolverOver(floor);
    const decision = await resolver.resolve(token(), NODE_REF, AT);
    expect(decision.chosen).toMatchObject({ operatorId: 2, teamId: 21 });
    expect(order(decision.candidates)).toEqual([
      [2, 1],
      [1, 2],
      [5, null],
      [3, null],
    ]);
    const context = await resolver.context(JOB, NODE, AT);
    expect(context.teams.get(20)).toEqual({
      exclusions: [{ reason: 'team_unavailable', detail: 'no weekly window on Mon at 10:00' }],
      eligibleMembers: [],
    });
    expect(context.teams.get(21)?.eligibleMembers).toEqual([1, 2]);
  });

  it('keeps an operator named twice at their best eligible entry', async () => {
    const floor = new FakeAssignmentFloor()
      .operator(1, { workload: 0 })
      .operator(2, { workload: 5 })
      .team(20, [1], [weekly(2, 0, 24 * 60)]);
    floor.entry({ team: 20 }, 1).entry({ operator: 2 }, 2).entry({ operator: 1 }, 2);
    const decision = await resolverOver(floor).resolve(token(), NODE_REF, AT);
    expect(decision.chosen).toMatchObject({ operatorId: 1, teamId: null, priority: 2 });
    expect(order(decision.candidates)).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it("does not count the token being decided again as its current assignee's workload", async () => {
    const floor = new FakeAssignmentFloor()
      .operator(1, { workload: 2 })
      .operator(2, { workload: 2, lastAssignedAt: null });
    floor.entry({ operator: 2 }, 1).entry({ operator: 1 }, 1);
    expect((await resolverOver(floor).resolve(token(), NODE_REF, AT)).chosen?.operatorId).toBe(1);
    const decision = await resolverOver(floor).resolve(token(2), NODE_REF, AT);
    expect(decision.chosen).toMatchObject({ operatorId: 2, workload: 1 });
  });

  it('spreads a spawn of several tokens over equally ranked operators', async () => {
    const floor = new FakeAssignmentFloor()
      .operator(1, { workload: 1 })
      .operator(2, { workload: 0 })
      .operator(3, { workload: 3 });
    for (const id of [1, 2, 3]) floor.entry({ operator: id }, 1);
    const context = await resolverOver(floor).context(JOB, NODE, AT);
    expect(decideAll(context.candidates, 5, AT).map((d) => d.chosen?.operatorId)).toEqual([2, 1, 2, 1, 2]);
  });

  it('answers the runtime (contenders in plan order, unranked) from what it read until the bound passes or a write through the module invalidates it', async () => {
    const floor = new FakeAssignmentFloor().operator(1, { workload: 1 }).operator(2, { workload: 0 });
    floor.entry({ operator: 1 }, 1).entry({ operator: 2 }, 1);
    const resolver = resolverOver(floor);
    const first = await resolver.contest(JOB, NODE, AT, undefined as never, []);
    expect(first.contenders.map((c) => [c.operatorId, c.workload])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    resolver.assigned([{ accountId: 2, teamId: null }], AT);
    floor.operator(3, { workload: 5 }).entry({ operator: 3 }, 0);
    const cached = await resolver.contest(JOB, NODE, new Date(AT.getTime() + 1), undefined as never, []);
    expect([floor.planReads, floor.standingReads]).toEqual([1, 1]);
    expect(cached.contenders.map((c) => [c.operatorId, c.workload])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    resolver.invalidate();
    const fresh = await resolver.contest(JOB, NODE, new Date(AT.getTime() + 2), undefined as never, []);
    expect(floor.planReads).toBe(2);
    expect(fresh.contenders.map((c) => [c.operatorId, c.workload])).toEqual([[3, 5]]);
  });
});
