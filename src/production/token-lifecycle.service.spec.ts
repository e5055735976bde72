import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import type { AccountsService } from './accounts.service.js';
import type { AssignmentPlanRepository } from './assignment-plan.repository.js';
import type { DagRoutingService } from './dag-routing.service.js';
import { JobStatus } from './entities/job-ticket.entity.js';
import { GraphEdge, GraphNode, NodeKind } from './entities/production-graph.entity.js';
import { TokenEventType, TokenStatus } from './entities/token.entity.js';
import { fakeDataSource, type Transactional } from './fake-data-source.fixture.js';
import { GraphTopology, type GraphTopologyCache } from './graph-topology.js';
import type { AssignmentHook } from './hooks/assignment-hook.js';
import type { JobRepository } from './job.repository.js';
import { NodeAssignmentService } from './node-assignment.service.js';
import type { Assignment, JobRef, TokenRef } from './production.types.js';
import { TokenLifecycleService } from './token-lifecycle.service.js';
import type { SpawnLease } from './spawn-lease.js';
import type { EventDraft, TokenStore } from './token-store.js';

/** job_ticket in memory, with the claim rule: only a released job is claimed, opening all its tokens. */
class FakeJobs implements Pick<JobRepository, 'ref' | 'claimForSpawn'>, Transactional {
  readonly jobs = new Map<number, JobRef & { openTokens: number }>();

  begin(): () => void {
    const saved = [...this.jobs.values()].map((j) => ({ ...j }));
    return () => saved.forEach((j) => this.jobs.set(j.id, j));
  }

  async ref(_em: unknown, id: number): Promise<JobRef | null> {
    const job = this.jobs.get(id);
    return job ? { ...job } : null;
  }

  async claimForSpawn(_em: unknown, id: number): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job?.status !== JobStatus.Released) return false;
    job.status = JobStatus.InProgress;
    job.openTokens = job.quantity;
    return true;
  }
}

/** token and token_event in memory; a serial already taken fails as the unique index does. */
class FakeTokens
  implements
    Pick<TokenStore, 'insertSpawning' | 'publishSpawned' | 'removeSpawnedOf' | 'assignSpawned' | 'insertEvents'>,
    Transactional
{
  tokens: TokenRef[] = [];
  events: EventDraft[] = [];
  /** The ids of tokens a spawn has not published yet. */
  unpublished = new Set<number>();

  begin(): () => void {
    const [tokens, events, unpublished] = [[...this.tokens], [...this.events], new Set(this.unpublished)];
    return () => {
      this.tokens = tokens;
      this.events = events;
      this.unpublished = unpublished;
    };
  }

  async insertSpawning(
    _em: unknown,
    jobId: number,
    nodeId: number,
    serials: readonly string[],
    afterId: number,
  ): Promise<TokenRef[]> {
    const taken = new Set(this.tokens.map((t) => t.serial));
    for (const serial of serials) {
      if (taken.has(serial))
        throw Object.assign(new Error('duplicate serial'), { driverError: { code: 'ER_DUP_ENTRY', errno: 1062 } });
      const id = this.tokens.length + 1;
      this.unpublished.add(id);
      this.tokens.push({
        id,
        serial,
        jobId,
        currentNodeId: nodeId,
        status: TokenStatus.Waiting,
        assignedAccountId: null,
        assignedTeamId: null,
        version: 1,
      });
    }
    return this.tokens.filter((t) => t.jobId === jobId && t.id > afterId).map((t) => ({ ...t }));
  }

  async publishSpawned(_em: unknown, jobId: number, throughId: number): Promise<number> {
    const published = this.unpublishedOf(jobId).filter((id) => id <= throughId);
    published.forEach((id) => this.unpublished.delete(id));
    return published.length;
  }

  private unpublishedOf(jobId: number): number[] {
    return this.tokens.filter((t) => t.jobId === jobId && this.unpublished.has(t.id)).map((t) => t.id);
  }

  /** The fake jobs never reach in_progress while a spawn has tokens to remove. */
  async removeSpawnedOf(_em: unknown, jobId: number, limit: number): Promise<number[]> {
    const gone = new Set(
      this.tokens
        .filter((t) => t.jobId === jobId && (this.unpublished.has(t.id) || t.status === TokenStatus.Waiting))
        .slice(0, limit)
        .map((t) => t.id),
    );
    this.tokens = this.tokens.filter((t) => !gone.has(t.id));
    this.events = this.events.filter((e) => !gone.has(e.tokenId));
    return [...gone];
  }

  async assignSpawned(
    _em: unknown,
    _jobId: number,
    tokens: readonly TokenRef[],
    assignments: readonly Assignment[],
  ): Promise<void> {
    tokens.forEach((t, i) =>
      Object.assign(
        this.tokens.find((s) => s.id === t.id)!,
        { assignedAccountId: assignments[i].accountId, assignedTeamId: assignments[i].teamId },
      ),
    );
  }

  async insertEvents(_em: unknown, events: readonly EventDraft[]): Promise<void> {
    this.events.push(...events);
  }
}

const node = (id: number, code: string, kind: NodeKind) =>
  Object.assign(new GraphNode(), { id, graphId: 1, code, name: code, kind, stationCode: `ST-${code}` });
const TOPOLOGY = new GraphTopology(
  [node(10, 'KIT', NodeKind.Start), node(11, 'SHIP', NodeKind.End)],
  [Object.assign(new GraphEdge(), { id: 1, graphId: 1, fromNodeId: 10, toNodeId: 11, outcome: null })],
);
/** Moving tokens is not part of spawning: a test that reaches these is wrong. */
const unused = new Proxy(
  {},
  {
    get: (_target, name) => {
      throw new Error(`not part of a spawn (${String(name)})`);
    },
  },
);

function setup(
  options: { automatic?: (tokens: readonly TokenRef[]) => Assignment[] | null; plan?: Assignment | null } = {},
) {
  const jobs = new FakeJobs();
  const tokens = new FakeTokens();
  const hook = {
    assign: async (t: readonly TokenRef[]) => options.automatic?.(t) ?? null,
    forget: async () => undefined,
  } as unknown as AssignmentHook;
  const plans = { planFor: async () => options.plan ?? null } as unknown as AssignmentPlanRepository;
  const service = new TokenLifecycleService(
    fakeDataSource(jobs, tokens),
    tokens as unknown as TokenStore,
    jobs as unknown as JobRepository,
    { get: async () => TOPOLOGY } as unknown as GraphTopologyCache,
    new NodeAssignmentService(hook, plans),
    unused as DagRoutingService,
    unused as AccountsService,
    {
      hold: async (_jobId: number, work: () => Promise<unknown>) => ({ acquired: true, value: await work() }),
    } as SpawnLease,
    new MetricsService(),
  );
  const job = (id: number, quantity: number, status = JobStatus.Released) =>
    jobs.jobs.set(id, {
      id,
      code: `J${id}`,
      graphId: 1,
      productCode: 'W',
      quantity,
      priority: 0,
      status,
      dueAt: null,
      openTokens: 0,
    });
  return { service, jobs, tokens, job };
}

const codeOf = (error: unknown) => (error as DomainError).code;

describe('TokenLifecycleService.spawnTokens (against in-memory tables)', () => {
  it('spawns the quantity at the start node, serials padded to the quantity, and opens them all on the job', async () => {
    const { service, jobs, tokens, job } = setup();
    job(1, 3);
    job(2, 12345);
    expect(await service.spawnTokens(1)).toEqual({
      jobId: 1,
      spawned: 3,
      firstSerial: 'J1-0001',
      lastSerial: 'J1-0003',
    });
    expect(await service.spawnTokens(2)).toMatchObject({
      spawned: 12345,
      firstSerial: 'J2-00001',
      lastSerial: 'J2-12345',
    });
    expect(tokens.tokens.filter((t) => t.jobId === 1).map((t) => [t.serial, t.currentNodeId, t.status])).toEqual([
      ['J1-0001', 10, TokenStatus.Waiting],
      ['J1-0002', 10, TokenStatus.Waiting],
      ['J1-0003', 10, TokenStatus.Waiting],
    ]);
    expect(jobs.jobs.get(1)).toMatchObject({ status: JobStatus.InProgress, openTokens: 3 });
    expect(tokens.unpublished.size).toBe(0);
  });

  it('records an assigned event only for the tokens the automatic assigner gave someone, with its path', async () => {
    const { service, tokens, job } = setup({
      automatic: (t) =>
        t.map((_, i) => (i === 1 ? { accountId: null, teamId: null } : { accountId: 70 + i, teamId: null })),
    });
    job(1, 3);
    await service.spawnTokens(1);
    expect(tokens.tokens.map((t) => t.assignedAccountId)).toEqual([70, null, 72]);
    expect(tokens.events.map((e) => [e.type, e.tokenId, e.operatorId, e.payload ?? null])).toEqual([
      [TokenEventType.Spawned, 1, null, null],
      [TokenEventType.Assigned, 1, 70, { accountId: 70, teamId: null, path: 'auto' }],
      [TokenEventType.Spawned, 2, null, null],
      [TokenEventType.Spawned, 3, null, null],
      [TokenEventType.Assigned, 3, 72, { accountId: 72, teamId: null, path: 'auto' }],
    ]);
  });

  it('gives every token the manual plan when no assigner decides', async () => {
    const { service, tokens, job } = setup({ plan: { accountId: null, teamId: 5 } });
    job(1, 2);
    await service.spawnTokens(1);
    expect(tokens.tokens.map((t) => t.assignedTeamId)).toEqual([5, 5]);
    expect(tokens.events.filter((e) => e.type === TokenEventType.Assigned).map((e) => e.payload)).toEqual([
      { accountId: null, teamId: 5, path: 'manual' },
      { accountId: null, teamId: 5, path: 'manual' },
    ]);
  });

  it('refuses a second spawn with ALREADY_SPAWNED and adds nothing', async () => {
    const { service, tokens, job } = setup();
    job(1, 2);
    await service.spawnTokens(1);
    expect(codeOf(await service.spawnTokens(1).catch((e: unknown) => e))).toBe(ErrorCode.AlreadySpawned);
    expect(tokens.tokens).toHaveLength(2);
  });

  it('answers CONFLICT when another token has one of the serials, removing what it inserted and leaving the job released', async () => {
    const { service, jobs, tokens, job } = setup();
    job(1, 2);
    job(2, 1);
    await tokens.insertSpawning(null, 2, 10, ['J1-0002'], 0);
    expect(codeOf(await service.spawnTokens(1).catch((e: unknown) => e))).toBe(ErrorCode.Conflict);
    expect(jobs.jobs.get(1)).toMatchObject({ status: JobStatus.Released, openTokens: 0 });
    expect(tokens.tokens.map((t) => t.jobId)).toEqual([2]);
  });

  it('refuses a job that is not released with INVALID_STATE, and an unknown one with 404', async () => {
    const { service, job } = setup();
    job(1, 2, JobStatus.Planned);
    job(2, 2, JobStatus.Cancelled);
    for (const id of [1, 2]) {
      const error = await service.spawnTokens(id).catch((e: unknown) => e);
      expect([codeOf(error), (error as Error).message]).toEqual([
        ErrorCode.InvalidState,
        `Job J${id} is ${id === 1 ? 'planned' : 'cancelled'}; release it before spawning`,
      ]);
    }
    expect(codeOf(await service.spawnTokens(3).catch((e: unknown) => e))).toBe(ErrorCode.NotFound);
  });
});
