import { DataSource } from 'typeorm';
import { localMoment } from '../src/assignment/availability.js';
import { Role } from '../src/common/auth/role.js';
import { MetricsService } from '../src/common/metrics/metrics.service.js';
import { AccountsService } from '../src/production/accounts.service.js';
import { DagRoutingService } from '../src/production/dag-routing.service.js';
import { NodeAssignmentService } from '../src/production/node-assignment.service.js';
import { TokenLifecycleService } from '../src/production/token-lifecycle.service.js';
import { buildLine, newJob, setFlag, tokensOf, type Line } from './assignment-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const RUNTIME = 'enable_assignment_runtime';
const PREVIEW = 'enable_assignment_preview';
const DAY = 86_400_000;

describe('Phase 7: automatic assignment', () => {
  let t: TestApp;
  let db: DataSource;
  const supervisor = () => t.auth(Role.Supervisor);

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  async function plan(
    line: Line,
    entries: Array<{ op?: number; team?: string; priority: number }>,
    jobId?: number,
    node = line.node.START,
  ): Promise<void> {
    const body = {
      entries: entries.map((e) => ({
        ...(e.op ? { operatorCode: line.opCode(e.op) } : { teamCode: line.teamCode(e.team!) }),
        priority: e.priority,
      })),
    };
    const path = jobId
      ? `/api/v1/assignment/plans/jobs/${jobId}/nodes/${node}`
      : `/api/v1/assignment/plans/nodes/${node}`;
    await t.http().put(path).set(supervisor()).send(body).expect(200);
  }

  const logOf = async (query: string) =>
    (await t.http().get(`/api/v1/assignment/log?${query}`).set(t.auth(Role.Viewer)).expect(200)).body;
  const count = async (table: string) => Number((await db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  const approvedLeave = async (operatorId: number, from = Date.now() - DAY, to = Date.now() + DAY) => {
    const leave = await t
      .http()
      .post('/api/v1/assignment/leave')
      .set(supervisor())
      .send({ operatorId, startsAt: new Date(from), endsAt: new Date(to) })
      .expect(201);
    await t.http().post(`/api/v1/assignment/leave/${leave.body.id}/approve`).set(supervisor()).expect(200);
  };

  describe('with the runtime on', () => {
    beforeAll(() => setFlag(t, RUNTIME, true));
    afterAll(() => setFlag(t, RUNTIME, false));

    it('ranks by plan priority, the job plan before the node plan', async () => {
      const line = await buildLine(t, 3);
      await plan(line, [
        { op: 1, priority: 5 },
        { op: 2, priority: 1 },
      ]);
      const first = await newJob(t, line, 1);
      expect((await tokensOf(t, first))[0].accountId).toBe(line.op(2));

      const second = await newJob(t, line, 1, false);
      await plan(line, [{ op: 3, priority: 9 }], second);
      await t.app.get(TokenLifecycleService).spawnTokens(second);
      const [token] = await tokensOf(t, second);
      expect(token.accountId).toBe(line.op(3));

      const [entry] = (await logOf(`tokenId=${token.id}`)).items;
      expect(entry).toMatchObject({
        method: 'auto',
        operatorId: line.op(3),
        reason: null,
        directory: 'local',
        jobId: second,
        nodeId: line.node.START,
      });
      expect(
        entry.candidates.map((c: { operatorId: number; rank: number; tier: string }) => [c.operatorId, c.rank, c.tier]),
      ).toEqual([
        [line.op(3), 1, 'job'],
        [line.op(2), 2, 'node'],
        [line.op(1), 3, 'node'],
      ]);
      expect(entry.durationUs).toBeGreaterThan(0);
    });

    it('excludes inactive operators, those off shift or on approved leave, and unavailable teams, saying why', async () => {
      const line = await buildLine(t, 6, { CREW: [5], OFF: [6] });
      await plan(line, [
        { op: 1, priority: 1 },
        { op: 2, priority: 1 },
        { op: 3, priority: 1 },
        { op: 4, priority: 1 },
        { team: 'CREW', priority: 2 },
        { team: 'OFF', priority: 1 },
      ]);
      await t.app.get(AccountsService).updateOperator(line.op(1), { active: false });
      const now = localMoment(new Date(), 'UTC');
      const otherDay = (now.weekday + 3) % 7;
      await t
        .http()
        .put(`/api/v1/assignment/operators/${line.op(2)}/availability`)
        .set(supervisor())
        .send({ weekly: [{ weekday: otherDay, start: '00:00', end: '24:00' }], exceptions: [] })
        .expect(200);
      await approvedLeave(line.op(3));
      // pending leave does not exclude; neither does an approved leave that is over
      await t
        .http()
        .post('/api/v1/assignment/leave')
        .set(supervisor())
        .send({ operatorId: line.op(4), startsAt: new Date(Date.now() - DAY), endsAt: new Date(Date.now() + DAY) })
        .expect(201);
      await approvedLeave(line.op(4), Date.now() - 3 * DAY, Date.now() - 2 * DAY);
      await t
        .http()
        .put(`/api/v1/assignment/teams/${line.team('OFF')}/availability`)
        .set(supervisor())
        .send({ weekly: [], exceptions: [{ date: now.date, available: false }] })
        .expect(200);

      const job = await newJob(t, line, 2);
      expect((await tokensOf(t, job)).map((x) => x.accountId)).toEqual([line.op(4), line.op(4)]);
      const [entry] = (await logOf(`tokenId=${(await tokensOf(t, job))[0].id}`)).items;
      const why = Object.fromEntries(
        entry.candidates.map((c: { operatorId: number; exclusions: Array<{ reason: string }> }) => [
          c.operatorId,
          c.exclusions.map((e) => e.reason),
        ]),
      );
      expect(why).toEqual({
        [line.op(1)]: ['inactive'],
        [line.op(2)]: ['outside_availability_window'],
        [line.op(3)]: ['on_leave'],
        [line.op(4)]: [],
        [line.op(5)]: [],
        [line.op(6)]: ['team_unavailable'],
      });
    });

    it('balances a spawn of 100 tokens by workload, then by least recently assigned', async () => {
      const line = await buildLine(t, 5, { CREW: [1, 2, 3, 4] });
      await plan(line, [
        { team: 'CREW', priority: 1 },
        { op: 5, priority: 1 },
      ]);
      // operator 5 already holds 10 open tokens elsewhere
      const busy = await newJob(t, line, 10, false);
      await plan(line, [{ op: 5, priority: 0 }], busy);
      await t.app.get(TokenLifecycleService).spawnTokens(busy);

      const job = await newJob(t, line, 100);
      const tokens = await tokensOf(t, job);
      const per = new Map<number, number>();
      for (const x of tokens) per.set(x.accountId!, (per.get(x.accountId!) ?? 0) + 1);
      expect(tokens.every((x) => x.accountId !== null)).toBe(true);
      // 110 open tokens over 5 operators: 22 each, operator 5 counting its 10
      expect([1, 2, 3, 4].map((n) => per.get(line.op(n)))).toEqual([22, 22, 22, 22]);
      expect(per.get(line.op(5))).toBe(12);
      expect(tokens.filter((x) => x.accountId !== line.op(5)).every((x) => x.teamId === line.team('CREW'))).toBe(true);
      expect(await count(`assignment_log WHERE job_id = ${job}`)).toBe(100);
    });

    it('counts its own decisions at once, from one spawn or route to the next', async () => {
      const line = await buildLine(t, 3);
      await plan(
        line,
        [1, 2, 3].map((op) => ({ op, priority: 1 })),
      );
      await plan(
        line,
        [1, 2].map((op) => ({ op, priority: 1 })),
        undefined,
        line.node.WORK,
      );
      const spawned: Array<{ id: number; accountId: number | null }> = [];
      for (let i = 0; i < 5; i++) spawned.push(...(await tokensOf(t, await newJob(t, line, 1))));
      // equal workload goes to the least recently assigned
      expect(spawned.map((x) => x.accountId)).toEqual([1, 2, 3, 1, 2].map(line.op));
      // a routed token leaves its operator: operator 1 gives up one of its two, operator 2 keeps both
      const routing = t.app.get(DagRoutingService);
      expect((await routing.routeToNode(spawned[0].id, line.node.WORK)).token.assignedAccountId).toBe(line.op(1));
      expect((await routing.routeToNode(spawned[1].id, line.node.WORK)).token.assignedAccountId).toBe(line.op(2));
      expect((await routing.routeToNode(spawned[2].id, line.node.WORK)).token.assignedAccountId).toBe(line.op(1));
    });

    it('assigns again when a token is routed, at the new node', async () => {
      const line = await buildLine(t, 2);
      await plan(line, [{ op: 1, priority: 1 }]);
      await plan(line, [{ op: 2, priority: 1 }], undefined, line.node.WORK);
      const job = await newJob(t, line, 1);
      const [token] = await tokensOf(t, job);
      const moved = await t.app.get(DagRoutingService).routeToNode(token.id, line.node.WORK);
      expect(moved.token.assignedAccountId).toBe(line.op(2));
      const items = (await logOf(`tokenId=${token.id}`)).items;
      expect(items.map((i: { nodeId: number; method: string }) => [i.nodeId, i.method])).toEqual([
        [line.node.WORK, 'auto'],
        [line.node.START, 'auto'],
      ]);
    });

    it('falls back to the manual plan when no candidate is available, logging the exclusions', async () => {
      const line = await buildLine(t, 2);
      await plan(line, [
        { op: 1, priority: 1 },
        { op: 2, priority: 2 },
      ]);
      await approvedLeave(line.op(1));
      await approvedLeave(line.op(2));
      const before = await fallbacks('no_candidate');
      const job = await newJob(t, line, 3);
      // the manual plan names its top entry, on leave or not: that is the legacy behaviour
      expect((await tokensOf(t, job)).map((x) => x.accountId)).toEqual([line.op(1), line.op(1), line.op(1)]);
      const items = (await logOf(`method=fallback&operatorId=${line.op(1)}`)).items.filter(
        (i: { jobId: number }) => i.jobId === job,
      );
      expect(items).toHaveLength(3);
      expect(items[0]).toMatchObject({ reason: 'no_candidate', operatorId: line.op(1) });
      expect(items[0].candidates.map((c: { exclusions: Array<{ reason: string }> }) => c.exclusions[0].reason)).toEqual(
        ['on_leave', 'on_leave'],
      );
      expect((await fallbacks('no_candidate')) - before).toBe(3);
      const events = await db.query(
        `SELECT payload FROM token_event WHERE type = 'assigned' AND token_id IN (SELECT id FROM token WHERE job_id = ?)`,
        [job],
      );
      expect(events.map((e: { payload: string }) => JSON.parse(e.payload).path)).toEqual([
        'manual',
        'manual',
        'manual',
      ]);
    });

    it('falls back to the manual plan when the resolver throws', async () => {
      const line = await buildLine(t, 2);
      await plan(line, [
        { op: 2, priority: 1 },
        { op: 1, priority: 2 },
      ]);
      // a real failure rather than a mock: a table the resolver reads goes missing
      await db.query(`ALTER TABLE operator_availability RENAME TO operator_availability_away`);
      try {
        const job = await newJob(t, line, 2);
        expect((await tokensOf(t, job)).map((x) => x.accountId)).toEqual([line.op(2), line.op(2)]);
        const [entry] = (await logOf(`operatorId=${line.op(2)}`)).items;
        expect(entry).toMatchObject({ method: 'fallback', jobId: job });
        expect(entry.reason).toMatch(/^error: .*operator_availability/);
      } finally {
        await db.query(`ALTER TABLE operator_availability_away RENAME TO operator_availability`);
      }
    });
  });

  it('with the runtime off assigns exactly as the manual plan and writes no log row', async () => {
    const line = await buildLine(t, 3, { CREW: [2, 3] });
    await plan(line, [
      { op: 1, priority: 1 },
      { team: 'CREW', priority: 1 },
    ]);
    await approvedLeave(line.op(1));
    const logRows = await count('assignment_log');
    const job = await newJob(t, line, 20);
    const manual = await t.app.get(NodeAssignmentService).manualPlan(job, line.node.START, db.manager);
    expect(manual).toEqual({ accountId: line.op(1), teamId: null });
    expect(await tokensOf(t, job)).toEqual((await tokensOf(t, job)).map((x) => ({ id: x.id, ...manual })));
    expect(await count('assignment_log')).toBe(logRows);
    const paths = await db.query(
      `SELECT DISTINCT payload FROM token_event WHERE type = 'assigned' AND token_id IN (SELECT id FROM token WHERE job_id = ?)`,
      [job],
    );
    expect(paths.map((p: { payload: string }) => JSON.parse(p.payload).path)).toEqual(['manual']);
  });

  describe('preview', () => {
    it('is refused while its flag is off', async () => {
      const res = await t.http().get('/api/v1/assignment/preview?tokenId=1').set(t.auth(Role.Viewer)).expect(409);
      expect(res.body.code).toBe('FEATURE_DISABLED');
    });

    it('ranks the candidates with scores and exclusions and writes nothing', async () => {
      await setFlag(t, PREVIEW, true);
      const line = await buildLine(t, 3);
      await plan(line, [
        { op: 1, priority: 1 },
        { op: 2, priority: 1 },
        { op: 3, priority: 2 },
      ]);
      await plan(line, [{ op: 3, priority: 1 }], undefined, line.node.WORK);
      const busy = await newJob(t, line, 2); // manual: operator 1 holds 2 tokens
      await approvedLeave(line.op(3));
      const [token] = await tokensOf(t, busy);
      const rows = { log: await count('assignment_log'), tokens: JSON.stringify(await tokensOf(t, busy)) };

      const res = await t
        .http()
        .get(`/api/v1/assignment/preview?tokenId=${token.id}`)
        .set(t.auth(Role.Viewer))
        .expect(200);
      // the previewed token's own assignment is not workload
      expect(res.body.chosen).toEqual({ operatorId: line.op(2), teamId: null });
      expect(
        res.body.candidates.map(
          (c: { operatorId: number; rank: number | null; workload: number; priority: number }) => [
            c.operatorId,
            c.rank,
            c.priority,
            c.workload,
          ],
        ),
      ).toEqual([
        [line.op(2), 1, 1, 0],
        [line.op(1), 2, 1, 1],
        [line.op(3), null, 2, null],
      ]);
      expect(res.body.candidates[2].exclusions[0].reason).toBe('on_leave');
      const next = await t
        .http()
        .get(`/api/v1/assignment/preview?tokenId=${token.id}&nodeId=${line.node.WORK}`)
        .set(t.auth(Role.Viewer))
        .expect(200);
      expect(next.body).toMatchObject({ nodeId: line.node.WORK, chosen: null });

      expect(await count('assignment_log')).toBe(rows.log);
      expect(JSON.stringify(await tokensOf(t, busy))).toBe(rows.tokens);
      await t.http().get(`/api/v1/assignment/preview?tokenId=999999`).set(t.auth(Role.Viewer)).expect(404);
      await t.http().get(`/api/v1/assignment/preview?tokenId=x`).set(t.auth(Role.Viewer)).expect(400);
    });
  });

  describe('leave', () => {
    it('goes pending -> approved -> cancelled, refuses overlaps (409) and an end before the start (400)', async () => {
      const line = await buildLine(t, 1);
      const at = Date.UTC(2031, 0, 10);
      const create = (from: number, to: number) =>
        t
          .http()
          .post('/api/v1/assignment/leave')
          .set(supervisor())
          .send({ operatorId: line.op(1), startsAt: new Date(from), endsAt: new Date(to), reason: 'holiday' });
      const leave = (await create(at, at + 5 * DAY).expect(201)).body;
      expect(leave).toMatchObject({ status: 'pending', operatorId: line.op(1), requestedBy: 'test-supervisor' });
      const overlap = await create(at + 4 * DAY, at + 9 * DAY).expect(409);
      expect(overlap.body.code).toBe('OVERLAP');
      await create(at + 5 * DAY, at + 6 * DAY).expect(201); // touching is not overlapping
      const bad = await create(at, at - DAY).expect(400);
      expect(bad.body.errors[0].field).toBe('endsAt');
      await t
        .http()
        .post('/api/v1/assignment/leave')
        .set(supervisor())
        .send({ operatorId: 999999, startsAt: new Date(at), endsAt: new Date(at + DAY) })
        .expect(404);

      expect(
        (await t.http().post(`/api/v1/assignment/leave/${leave.id}/approve`).set(supervisor()).expect(200)).body,
      ).toMatchObject({ status: 'approved', decidedBy: 'test-supervisor' });
      expect(
        (await t.http().post(`/api/v1/assignment/leave/${leave.id}/reject`).set(supervisor()).expect(409)).body.code,
      ).toBe('INVALID_STATE');
      await t.http().post(`/api/v1/assignment/leave/${leave.id}/cancel`).set(supervisor()).expect(200);
      await create(at + DAY, at + 2 * DAY).expect(201); // cancelled leave no longer holds its days
      const listed = await t
        .http()
        .get(`/api/v1/assignment/leave?operatorId=${line.op(1)}&status=cancelled`)
        .set(t.auth(Role.Viewer))
        .expect(200);
      expect(listed.body.map((l: { id: number }) => l.id)).toEqual([leave.id]);
      await t.http().post(`/api/v1/assignment/leave/${leave.id}/approve`).set(t.auth(Role.Operator)).expect(403);
    });
  });

  it('keeps availability schedules and refuses windows that end before they start', async () => {
    const line = await buildLine(t, 1, { CREW: [1] });
    const schedule = {
      weekly: [{ weekday: 1, start: '06:00', end: '14:00' }],
      exceptions: [{ date: '2031-12-24', start: '00:00', end: '24:00', available: false }],
    };
    const put = await t
      .http()
      .put(`/api/v1/assignment/teams/${line.team('CREW')}/availability`)
      .set(supervisor())
      .send(schedule)
      .expect(200);
    expect(put.body).toEqual(schedule);
    expect(
      (
        await t
          .http()
          .get(`/api/v1/assignment/teams/${line.team('CREW')}/availability`)
          .set(t.auth(Role.Viewer))
          .expect(200)
      ).body,
    ).toEqual(schedule);
    const bad = await t
      .http()
      .put(`/api/v1/assignment/operators/${line.op(1)}/availability`)
      .set(supervisor())
      .send({
        weekly: [
          { weekday: 1, start: '14:00', end: '06:00' },
          { weekday: 9, start: '6', end: '07:00' },
        ],
        exceptions: [],
      })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'weekly.1.start',
      'weekly.1.weekday',
    ]);
    const inverted = await t
      .http()
      .put(`/api/v1/assignment/operators/${line.op(1)}/availability`)
      .set(supervisor())
      .send({ weekly: [{ weekday: 1, start: '14:00', end: '06:00' }], exceptions: [] })
      .expect(400);
    expect(inverted.body.errors[0].field).toBe('weekly.0');
    await t.http().get(`/api/v1/assignment/operators/999999/availability`).set(t.auth(Role.Viewer)).expect(404);
  });

  it('pages the log newest first with a cursor and filters by time', async () => {
    const all = (await logOf('limit=1000')).items;
    expect(all.length).toBeGreaterThan(5);
    const first = await logOf('limit=3');
    const second = await logOf(`limit=3&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((i: { id: number }) => i.id)).toEqual(
      all.slice(0, 6).map((i: { id: number }) => i.id),
    );
    expect((await logOf(`to=${new Date(Date.now() - DAY).toISOString()}`)).items).toEqual([]);
    expect((await logOf(`from=${new Date(Date.now() - DAY).toISOString()}&limit=1000`)).items).toHaveLength(all.length);
    await t.http().get('/api/v1/assignment/log?method=sometimes').set(t.auth(Role.Viewer)).expect(400);
    await t.http().get('/api/v1/assignment/log?cursor=nonsense').set(t.auth(Role.Viewer)).expect(400);
  });

  it('exports decisions by method, fallbacks by reason and the resolver latency on /metrics', async () => {
    const text = (await t.http().get('/metrics').expect(200)).text;
    const value = (series: string) =>
      Number(text.match(new RegExp(`^${series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (\\S+)$`, 'm'))?.[1] ?? NaN);
    expect(value('assignment_decisions_total{method="auto"}')).toBeGreaterThan(0);
    expect(value('assignment_decisions_total{method="fallback"}')).toBeGreaterThan(0);
    expect(value('assignment_fallbacks_total{reason="no_candidate"}')).toBeGreaterThan(0);
    expect(value('assignment_fallbacks_total{reason="error"}')).toBeGreaterThan(0);
    for (const operation of ['assign_on_spawn', 'assign_on_route']) {
      const count = value(`assignment_resolver_duration_seconds_count{operation="${operation}"}`);
      expect(count).toBeGreaterThan(0);
      expect(value(`assignment_resolver_duration_seconds_bucket{le="+Inf",operation="${operation}"}`)).toBe(count);
    }
  });

  async function fallbacks(reason: string): Promise<number> {
    const metric = await t.app.get(MetricsService).registry.getSingleMetric('assignment_fallbacks_total')!.get();
    return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  }
});
