import { DomainError } from '../common/errors/domain-error.js';
import { JobStatus } from './entities/job-ticket.entity.js';
import type { FloorRepository, JobProgressRow, NodeLoadRow } from './floor.repository.js';
import { FloorService } from './floor.service.js';

/** An in-memory stand-in for the repository: the service's rules, without a database. */
class FakeFloor {
  loads: NodeLoadRow[] = [];
  jobs: JobProgressRow[] = [];
  since: Date | null = null;
  async nodeLoads(_graphId: number, since: Date): Promise<NodeLoadRow[]> {
    this.since = since;
    return this.loads;
  }
  async jobProgress(): Promise<JobProgressRow[]> {
    return this.jobs;
  }
}

const load = (nodeId: number, waiting: number, inProgress = 0): NodeLoadRow => ({
  nodeId,
  nodeCode: `N${nodeId}`,
  waiting,
  inProgress,
  finishedSince: 0,
});
const NOW = new Date('2030-06-01T12:00:00Z');

describe('FloorService', () => {
  let fake: FakeFloor;
  let service: FloorService;
  beforeEach(() => {
    fake = new FakeFloor();
    service = new FloorService(fake as unknown as FloorRepository);
  });

  it('counts finished work over the hour before now', async () => {
    fake.loads = [load(1, 0)];
    const line = await service.line(7, NOW);
    expect(fake.since).toEqual(new Date('2030-06-01T11:00:00Z'));
    expect(line).toEqual({
      graphId: 7,
      at: NOW,
      windowMinutes: 60,
      nodes: [{ nodeId: 1, nodeCode: 'N1', waiting: 0, inProgress: 0, finished: 0 }],
      bottleneckNodeId: null,
    });
  });

  it('names the longest queue the bottleneck; a tie goes to more work in progress, then to the first node', async () => {
    fake.loads = [load(1, 2), load(2, 5), load(3, 5, 1), load(4, 1, 9)];
    expect((await service.line(1, NOW)).bottleneckNodeId).toBe(3);
    fake.loads = [load(1, 4), load(2, 4)];
    expect((await service.line(1, NOW)).bottleneckNodeId).toBe(1);
    // busy but with no queue: nothing waits, no bottleneck
    fake.loads = [load(1, 0, 3), load(2, 0, 1)];
    expect((await service.line(1, NOW)).bottleneckNodeId).toBeNull();
  });

  it('answers an unknown graph (no nodes) with NOT_FOUND', async () => {
    await expect(service.line(99, NOW)).rejects.toBeInstanceOf(DomainError);
  });

  it('marks a job late when its due date has passed and it is neither done nor cancelled', async () => {
    const job = (status: JobStatus, dueAt: Date | null): JobProgressRow => ({
      id: 1,
      code: 'J',
      graphId: 1,
      productCode: 'P',
      quantity: 1,
      priority: 0,
      status,
      dueAt,
      openTokens: 0,
      createdAt: NOW,
      updatedAt: NOW,
      tokensDone: 0,
      tokensScrapped: 0,
    });
    const past = new Date('2030-05-31T00:00:00Z');
    fake.jobs = [
      job(JobStatus.InProgress, past),
      job(JobStatus.Planned, past),
      job(JobStatus.Done, past),
      job(JobStatus.Cancelled, past),
      job(JobStatus.InProgress, null),
      job(JobStatus.Released, new Date('2030-07-01T00:00:00Z')),
    ];
    expect((await service.jobs({}, 10, NOW)).map((j) => j.late)).toEqual([true, true, false, false, false, false]);
  });
});
