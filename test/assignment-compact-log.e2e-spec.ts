import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { toDbTime } from '../src/database/dialect.js';
import { DagRoutingService } from '../src/production/dag-routing.service.js';
import { TokenLifecycleService } from '../src/production/token-lifecycle.service.js';
import { buildLine, newJob, setFlag, tokensOf, type Line } from './assignment-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface LoggedCandidate {
  operatorId: number;
  teamId: number | null;
  rank: number | null;
  tier: string;
  priority: number | null;
  workload: number | null;
  lastAssignedAt: string | null;
  exclusions: Array<{ reason: string; detail?: string }>;
}

interface LogItem {
  id: number;
  tokenId: number;
  operatorId: number | null;
  decidedAt: string;
  candidates: LoggedCandidate[];
}

describe('Phase 7: compact decision records', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    // long enough that the known-set cache cannot expire within a case
    t = await startTestApp({ JOBS_ENABLED: 'false', ASSIGNMENT_CACHE_TTL_MS: '60000' });
    db = t.app.get(DataSource);
    await setFlag(t, 'enable_assignment_runtime', true);
  });
  afterAll(() => t.close());

  const logOf = async (query: string): Promise<LogItem[]> =>
    (await t.http().get(`/api/v1/assignment/log?${query}`).set(t.auth(Role.Viewer)).expect(200)).body.items;
  const planNode = async (line: Line, node: number, entries: object[]) =>
    t.http().put(`/api/v1/assignment/plans/nodes/${node}`).set(t.auth(Role.Supervisor)).send({ entries }).expect(200);
  /** The stored text of each of the job's log rows, oldest first. */
  const storedOf = async (jobId: number): Promise<string[]> =>
    (await db.query(`SELECT candidates FROM assignment_log WHERE job_id = ? ORDER BY id`, [jobId])).map(
      (r: { candidates: string }) => r.candidates,
    );
  const setsReferenced = (stored: string[]) => [...new Set(stored.map((s) => JSON.parse(s).set as string))];
  const setCount = async (hashes: string[]) =>
    Number(
      (
        await db.query(
          `SELECT COUNT(*) AS n FROM assignment_candidate_set WHERE hash IN (${hashes.map(() => '?').join(', ')})`,
          hashes,
        )
      )[0].n,
    );

  /** Crew of three (priority 1), operator 4 (priority 1), a backup team (priority 2), operator 6 on leave (priority 3). */
  async function lineWithPlan(): Promise<Line> {
    const line = await buildLine(t, 6, { CREW: [1, 2, 3], BACKUP: [5] });
    await planNode(line, line.node.START, [
      { teamCode: line.teamCode('CREW'), priority: 1 },
      { operatorCode: line.opCode(4), priority: 1 },
      { teamCode: line.teamCode('BACKUP'), priority: 2 },
      { operatorCode: line.opCode(6), priority: 3 },
    ]);
    const leave = await t
      .http()
      .post('/api/v1/assignment/leave')
      .set(t.auth(Role.Supervisor))
      .send({
        operatorId: line.op(6),
        startsAt: new Date(Date.now() - 3_600_000),
        endsAt: new Date(Date.now() + 3_600_000),
      })
      .expect(201);
    await t.http().post(`/api/v1/assignment/leave/${leave.body.id}/approve`).set(t.auth(Role.Supervisor)).expect(200);
    return line;
  }

  it("stores a spawn's shared candidates once, and each row only the contenders' standing", async () => {
    const line = await lineWithPlan();
    const job = await newJob(t, line, 12);
    const stored = await storedOf(job);
    expect(stored).toHaveLength(12);
    const [hash] = setsReferenced(stored);
    expect(setsReferenced(stored)).toEqual([hash]);
    expect(await setCount([hash])).toBe(1);
    // the indexed column retention checks names the same set on every row
    const columns = await db.query(`SELECT DISTINCT candidate_set AS s FROM assignment_log WHERE job_id = ?`, [job]);
    expect(columns.map((r: { s: string }) => r.s)).toEqual([hash]);
    for (const text of stored) {
      // four contenders, each [place, workload, ms since their last assignment]
      expect(JSON.parse(text).ranked).toHaveLength(4);
      expect(text).not.toMatch(/on_leave|"node"/);
    }
    const [set] = await db.query(`SELECT candidates FROM assignment_candidate_set WHERE hash = ?`, [hash]);
    expect(String(set.candidates)).toMatch(/on_leave/);
  });

  it('reads every decision back whole: contenders ranked with their standing, then the others', async () => {
    const line = await lineWithPlan();
    const job = await newJob(t, line, 8);
    const tokens = await tokensOf(t, job);
    const items = (await Promise.all(tokens.map(async (x) => (await logOf(`tokenId=${x.id}`))[0]))).sort(
      (a, b) => a.id - b.id,
    );
    const contenders = [1, 2, 3, 4].map(line.op);
    items.forEach((item, i) => {
      const c = item.candidates;
      expect(c.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5, null]);
      expect(item.operatorId).toBe(c[0].operatorId);
      expect(new Set(c.slice(0, 4).map((x) => x.operatorId))).toEqual(new Set(contenders));
      // every earlier token of the spawn made one contender one token busier
      expect(c.slice(0, 4).reduce((sum, x) => sum + (x.workload ?? 0), 0)).toBe(i);
      for (const x of c.slice(0, 4)) {
        expect(x).toMatchObject({ tier: 'node', priority: 1, exclusions: [] });
        expect(x.teamId).toBe(x.operatorId === line.op(4) ? null : line.team('CREW'));
      }
      expect(c[4]).toEqual({
        operatorId: line.op(5),
        teamId: line.team('BACKUP'),
        rank: 5,
        tier: 'node',
        priority: 2,
        workload: null,
        lastAssignedAt: null,
        exclusions: [],
      });
      expect(c[5]).toMatchObject({ operatorId: line.op(6), rank: null, priority: 3, workload: null });
      expect(c[5].exclusions.map((e) => e.reason)).toEqual(['on_leave']);
      // the one chosen before is the most recently assigned, at that decision's time
      if (i > 0) {
        const previous = c.find((x) => x.operatorId === items[i - 1].operatorId)!;
        expect(previous.lastAssignedAt).toBe(items[i - 1].decidedAt);
      }
    });
    // equal standing at the start: the four share the eight tokens evenly
    expect(tokens.filter((x) => x.accountId === line.op(1))).toHaveLength(2);
  });

  it('shares one row between decisions of an equal eligibility: later spawns, concurrent spawns, routes', async () => {
    const line = await lineWithPlan();
    const first = setsReferenced(await storedOf(await newJob(t, line, 3)));
    const [a, b] = await Promise.all([newJob(t, line, 5), newJob(t, line, 5)]);
    const all = setsReferenced([...(await storedOf(a)), ...(await storedOf(b))]);
    expect(all).toEqual(first);
    expect(await setCount(first)).toBe(1);

    // at the next node another plan: another set, which the route's rows reference
    await planNode(line, line.node.WORK, [{ operatorCode: line.opCode(5), priority: 1 }]);
    const [token] = await tokensOf(t, a);
    await t.app.get(DagRoutingService).routeToNode(token.id, line.node.WORK);
    const [routed] = await logOf(`tokenId=${token.id}`);
    expect(routed.operatorId).toBe(line.op(5));
    expect(routed.candidates).toEqual([expect.objectContaining({ operatorId: line.op(5), rank: 1, workload: 0 })]);
    const [text] = (await db.query(`SELECT candidates FROM assignment_log WHERE id = ?`, [routed.id])).map(
      (r: { candidates: string }) => r.candidates,
    );
    const routeSet = JSON.parse(text).set as string;
    expect(routeSet).not.toBe(first[0]);
    expect(await setCount([routeSet])).toBe(1);
  });

  it('skips the insert once a committed transaction has stored the set', async () => {
    const line = await lineWithPlan();
    const [hash] = setsReferenced(await storedOf(await newJob(t, line, 2)));
    const [set] = await db.query(`SELECT candidates FROM assignment_candidate_set WHERE hash = ?`, [hash]);
    // take the row away behind the process's back: a decision that still inserted would put it back
    await db.query(`DELETE FROM assignment_candidate_set WHERE hash = ?`, [hash]);
    try {
      expect(setsReferenced(await storedOf(await newJob(t, line, 2)))).toEqual([hash]);
      expect(await setCount([hash])).toBe(0);
    } finally {
      await db.query(`INSERT INTO assignment_candidate_set (hash, candidates) VALUES (?, ?)`, [hash, set.candidates]);
    }
  });

  it('reads a row written before compaction, candidates whole, as it was', async () => {
    const whole = [
      [7001, 12, 1, 'job', 1, 2, Date.parse('2030-01-02T03:04:05.678Z'), []],
      [7002, null, null, 'node', null, null, null, [{ reason: 'inactive' }]],
    ];
    const decidedAt = new Date('2030-01-02T03:04:06.000Z');
    await db.query(
      `INSERT INTO assignment_log (token_id, job_id, node_id, account_id, team_id, method, reason, candidates, directory, decided_at, duration_us)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [990001, 1, 1, 7001, 12, 'auto', null, JSON.stringify(whole), 'local', toDbTime(decidedAt), 40],
    );
    const [item] = await logOf('tokenId=990001');
    expect(item).toMatchObject({ operatorId: 7001, teamId: 12, decidedAt: decidedAt.toISOString(), durationUs: 40 });
    expect(item.candidates).toEqual([
      {
        operatorId: 7001,
        teamId: 12,
        rank: 1,
        tier: 'job',
        priority: 1,
        workload: 2,
        lastAssignedAt: '2030-01-02T03:04:05.678Z',
        exclusions: [],
      },
      {
        operatorId: 7002,
        teamId: null,
        rank: null,
        tier: 'node',
        priority: null,
        workload: null,
        lastAssignedAt: null,
        exclusions: [{ reason: 'inactive' }],
      },
    ]);
  });

  it('a failed spawn takes its decisions with its tokens, and the process no longer trusts their set', async () => {
    const line = await lineWithPlan();
    const jobId = await newJob(t, line, 1500, false);
    const other = await newJob(t, line, 1);
    const [{ code }] = await db.query(`SELECT code FROM job_ticket WHERE id = ?`, [jobId]);
    const [{ serial }] = await db.query(`SELECT serial FROM token WHERE job_id = ?`, [other]);
    // the second batch of 1,000 meets it, after the first one's decisions were committed
    await db.query(`UPDATE token SET serial = ? WHERE job_id = ?`, [`${code}-1200`, other]);
    const [hash] = setsReferenced(await storedOf(other));
    await expect(t.app.get(TokenLifecycleService).spawnTokens(jobId)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await storedOf(jobId)).toEqual([]);

    await db.query(`UPDATE token SET serial = ? WHERE job_id = ?`, [serial, other]);
    // retention removes a set once nothing references it: here, as if the other job's decision were purged too
    await db.query(`DELETE FROM assignment_log WHERE job_id = ?`, [other]);
    await db.query(`DELETE FROM assignment_candidate_set WHERE hash = ?`, [hash]);
    await t.app.get(TokenLifecycleService).spawnTokens(jobId);
    const stored = await storedOf(jobId);
    expect(stored).toHaveLength(1500);
    expect(setsReferenced(stored)).toEqual([hash]);
    expect(await setCount([hash])).toBe(1);
  });
});
