import { DataSource } from 'typeorm';
import { releasedBy, WorkloadBoard } from '../src/assignment/workload-board.js';
import { WorkloadRepository } from '../src/assignment/workload.repository.js';
import { Role } from '../src/common/auth/role.js';
import { TokenStatus } from '../src/production/entities/token.entity.js';
import type { TokenRef } from '../src/production/production.types.js';
import { TokenLifecycleService } from '../src/production/token-lifecycle.service.js';
import { buildLine, newJob, tokensOf, type Line } from './assignment-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The runtime's view of operators' standing, against the real database: what it read holds
 * for its bound, its own decisions count at once, and whatever else happened shows once the
 * bound has passed. Time is the `now` each call is given, so nothing here sleeps.
 */
describe('Phase 7: workload board', () => {
  let t: TestApp;
  let db: DataSource;
  const TTL = 1000;

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  /** Open tokens assigned to `op` by the manual plan (the runtime flag is off). */
  async function giveTokens(line: Line, op: number, quantity: number): Promise<number[]> {
    const job = await newJob(t, line, quantity, false);
    await t
      .http()
      .put(`/api/v1/assignment/plans/jobs/${job}/nodes/${line.node.START}`)
      .set(t.auth(Role.Supervisor))
      .send({ entries: [{ operatorCode: line.opCode(op), priority: 1 }] })
      .expect(200);
    await t.app.get(TokenLifecycleService).spawnTokens(job);
    return (await tokensOf(t, job)).map((x) => x.id);
  }

  const workloads = async (
    board: WorkloadBoard,
    ids: number[],
    now: number,
    reassigning: TokenRef[] = [],
    fresh = false,
  ) => [...(await board.standing(db, ids, releasedBy(reassigning), now, fresh)).values()].map((s) => s.workload);

  it('keeps what it read for its bound, counts its own decisions and tokens decided again, and reads afresh when asked', async () => {
    const line = await buildLine(t, 2);
    const [op1, op2] = [line.op(1), line.op(2)];
    const held = await giveTokens(line, 1, 2);
    const board = new WorkloadBoard(t.app.get(WorkloadRepository), TTL);
    const at = Date.now();
    expect(await board.standing(db, [op1, op2], new Map(), at)).toEqual(
      new Map([
        [op1, { workload: 2, lastAssignedAt: null }],
        [op2, { workload: 0, lastAssignedAt: null }],
      ]),
    );

    await giveTokens(line, 2, 1); // decided elsewhere: unseen until the bound passes
    expect(await workloads(board, [op1, op2], at + TTL - 1)).toEqual([2, 0]);

    board.assigned([{ accountId: op2, teamId: null }], new Date(at + 10));
    expect((await board.standing(db, [op2], new Map(), at + 20)).get(op2)).toEqual({
      workload: 1,
      lastAssignedAt: at + 10,
    });

    // one of operator 1's tokens is decided again: it leaves them, and stays gone
    const token: TokenRef = {
      id: held[0],
      serial: 'x',
      jobId: 0,
      currentNodeId: line.node.START,
      status: TokenStatus.Waiting,
      assignedAccountId: op1,
      assignedTeamId: null,
      version: 1,
    };
    expect(await workloads(board, [op1], at + 30, [token])).toEqual([1]);
    expect(await workloads(board, [op1], at + 40)).toEqual([1]);

    // asked afresh, or once the bound has passed: the database's count
    expect(await workloads(board, [op1, op2], at + 50, [], true)).toEqual([2, 1]);
    expect(await workloads(board, [op1, op2], at + 50)).toEqual([1, 1]);
    expect(await workloads(board, [op1, op2], at + TTL)).toEqual([2, 1]);
  });

  it('reads every time with a bound of 0, and forgets everything when cleared', async () => {
    const line = await buildLine(t, 1);
    const op = line.op(1);
    const uncached = new WorkloadBoard(t.app.get(WorkloadRepository), 0);
    const cached = new WorkloadBoard(t.app.get(WorkloadRepository), TTL);
    const at = Date.now();
    expect(await workloads(uncached, [op], at)).toEqual([0]);
    expect(await workloads(cached, [op], at)).toEqual([0]);
    uncached.assigned([{ accountId: op, teamId: null }], new Date(at));
    await giveTokens(line, 1, 3);
    expect(await workloads(uncached, [op], at)).toEqual([3]);
    expect(await workloads(cached, [op], at)).toEqual([0]);
    cached.clear();
    expect(await workloads(cached, [op], at)).toEqual([3]);
  });
});
