import type { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { toDbTime } from '../src/database/dialect.js';
import { CacheWriter } from '../src/people/cache-writer.js';
import { keyedHash } from '../src/people/masking.js';
import { PEOPLE_JOBS } from '../src/people/people-sync.service.js';
import type { OperatorRecord } from '../src/people/people-records.js';
import { isMalformed, NO_FAULTS, startPeopleSim, type PeopleSim } from '../scripts/people-api-sim.js';
import { dataSourceOf, findRawPersonalData, runSync, snapshot, startPeopleApp } from './support/people.js';
import type { TestApp } from './support/test-app.js';

const OPS = PEOPLE_JOBS.operators;
const SIZE = 300;
/** Long enough that a healthy page, answered from this shared event loop on a loaded machine, is never cut off. */
const CLIENT_TIMEOUT_MS = 1000;

async function cachedOperators(t: TestApp): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: Array<Record<string, any>>; nextCursor: string | null } } = await t
      .http()
      .get('/api/v1/people/operators')
      .query({ limit: 120, ...(cursor ? { cursor } : {}) })
      .set(t.auth(Role.Supervisor))
      .expect(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

describe('people sync: full, incremental, deletions, masking', () => {
  let sim: PeopleSim;
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    sim = await startPeopleSim({ size: SIZE });
    t = await startPeopleApp(sim);
    ds = dataSourceOf(t);
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('starts with a full sync of every operator, masked by the seeded policy', async () => {
    const run = await runSync(t, OPS);
    expect(run).toMatchObject({
      status: 'succeeded',
      counts: { fetched: SIZE, upserted: SIZE, rejected: 0, deactivated: 0, full: 1 },
    });
    const cached = await cachedOperators(t);
    expect(cached).toHaveLength(SIZE);
    const source = new Map(sim.operators().map((o) => [o.id, o]));
    for (const op of cached) {
      const raw = source.get(op.id)!;
      expect(op.employeeNo).toBe(raw.employee_no);
      expect(op.nationalId).toBeNull();
      expect(op.phone).toBe(raw.phone.replace(/\d(?=(?:\D*\d){4})/g, '*'));
      expect(op.email).toMatch(/^[*.]+@[*.]+$/);
      expect(op.skills).toEqual(raw.skills);
      expect(new Date(op.expiresAt).getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('then syncs incrementally from the watermark: only changed and new operators are fetched', async () => {
    const status = (await t.http().get('/api/v1/people/sync-status').set(t.auth(Role.Viewer)).expect(200)).body;
    const ops = status.jobs.find((j: { job: string }) => j.job === OPS);
    expect(ops).toMatchObject({
      nextRunFull: false,
      lastRun: { status: 'succeeded' },
      cache: { rows: SIZE, state: 'fresh' },
    });
    expect(ops.watermark).toBe(sim.operators()[SIZE - 1].updated_at);

    const { changed, added } = sim.mutate({ change: 3, add: 2 });
    const run = await runSync(t, OPS);
    // the watermark is inclusive, so the newest operator already cached comes again
    expect(run).toMatchObject({ status: 'succeeded', counts: { fetched: 6, upserted: 6, full: 0, deactivated: 0 } });
    const cached = new Map((await cachedOperators(t)).map((o) => [o.id, o]));
    expect(cached.size).toBe(SIZE + 2);
    const source = new Map(sim.operators().map((o) => [o.id, o]));
    for (const id of [...changed, ...added]) expect(cached.get(id)!.skills).toEqual(source.get(id)!.skills);
  });

  it('marks operators deleted upstream inactive on the next full sync, not on incremental ones', async () => {
    const { removed } = sim.mutate({ remove: 4 });
    expect((await runSync(t, OPS)).counts).toMatchObject({ full: 0, deactivated: 0 });
    // a day passes: the full-sync interval is due
    await ds.query(`UPDATE people_operator_cache SET full_synced_at = ?`, [
      toDbTime(new Date(Date.now() - 2 * 86_400_000)),
    ]);
    const run = await runSync(t, OPS);
    expect(run.counts).toMatchObject({ full: 1, fetched: SIZE - 2, deactivated: 4 });
    const inactive = (
      await t
        .http()
        .get('/api/v1/people/operators')
        .query({ active: false, limit: 1000 })
        .set(t.auth(Role.Supervisor))
        .expect(200)
    ).body.items;
    const upstreamInactive = sim
      .operators()
      .filter((o) => !o.active)
      .map((o) => o.id);
    expect(inactive.map((o: { id: string }) => o.id).sort()).toEqual([...removed, ...upstreamInactive].sort());
    expect((await runSync(t, OPS)).counts).toMatchObject({ full: 0, deactivated: 0 });
  });

  it('syncs teams and availability too', async () => {
    expect(await runSync(t, PEOPLE_JOBS.teams)).toMatchObject({
      status: 'succeeded',
      counts: { fetched: sim.teams().length, upserted: sim.teams().length, rejected: 0 },
    });
    const avail = await runSync(t, PEOPLE_JOBS.availability);
    expect(avail).toMatchObject({ status: 'succeeded' });
    expect(avail.counts!.upserted).toBeGreaterThan(SIZE);
    const teams = (await t.http().get('/api/v1/people/teams').set(t.auth(Role.Viewer)).expect(200)).body;
    expect(teams.items[0]).toMatchObject({ id: 'T001', code: 'TEAM-001', active: true });
    const entries = (
      await t
        .http()
        .get('/api/v1/people/availability')
        .query({ operatorId: 'P000020' })
        .set(t.auth(Role.Viewer))
        .expect(200)
    ).body.items;
    expect(entries.some((e: { kind: string }) => e.kind === 'leave')).toBe(true);
  });

  it('a changed masking policy makes the next operator run a full one under the new rules', async () => {
    const before = (await t.http().get('/api/v1/people/masking-policies').set(t.auth(Role.Admin)).expect(200)).body;
    expect(before).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'national_id', strategy: 'drop' }),
        expect.objectContaining({ field: 'phone', strategy: 'mask', keepLast: 4 }),
        expect.objectContaining({ field: 'email', strategy: 'mask' }),
        expect.objectContaining({ field: 'name', strategy: 'keep', updatedAt: null }),
      ]),
    );
    const same = await t
      .http()
      .put('/api/v1/people/masking-policies')
      .set(t.auth(Role.Admin))
      .send({ policies: [{ field: 'phone', strategy: 'mask', keepLast: 4 }] })
      .expect(200);
    expect(same.body).toMatchObject({ changed: [], nextOperatorSyncFull: false });
    const res = await t
      .http()
      .put('/api/v1/people/masking-policies')
      .set(t.auth(Role.Admin))
      .send({ policies: [{ field: 'email', strategy: 'hash' }] })
      .expect(200);
    expect(res.body).toMatchObject({ changed: ['email'], nextOperatorSyncFull: true });
    expect((await runSync(t, OPS)).counts).toMatchObject({ full: 1 });
    const op = (
      await t
        .http()
        .get('/api/v1/people/operators')
        .query({ employeeNo: 'E00002' })
        .set(t.auth(Role.Supervisor))
        .expect(200)
    ).body.items[0];
    expect(op.email).toBe(keyedHash('test-hash-key', sim.operators().find((o) => o.id === 'P000002')!.email));
    expect((await runSync(t, OPS)).counts).toMatchObject({ full: 0 });
  });

  it('refuses bad policy input field by field, and keeps policies and sync runs for admins', async () => {
    const bad = await t
      .http()
      .put('/api/v1/people/masking-policies')
      .set(t.auth(Role.Admin))
      .send({ policies: [{ field: 'employee_no', strategy: 'shred', keepLast: 99 }] })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    await t.http().get('/api/v1/people/masking-policies').set(t.auth(Role.Supervisor)).expect(403);
    await t.http().post('/api/v1/people/sync/run').set(t.auth(Role.Supervisor)).send({ job: OPS }).expect(403);
    await t
      .http()
      .post('/api/v1/people/sync/run')
      .set(t.auth(Role.Admin))
      .send({ job: 'people-sync-everything' })
      .expect(400);
  });

  it('never stores a raw email, phone or national id: every column of every table is scanned', async () => {
    sim.setFaults({ malformedRate: 0.05 });
    await runSync(t, OPS);
    sim.setFaults(NO_FAULTS);
    expect(await findRawPersonalData(ds, sim.operators())).toEqual([]);
  });
});

describe('people sync: faults end with errors logged, the cache intact and the run status right', () => {
  let sim: PeopleSim;
  let t: TestApp;
  let ds: DataSource;
  const errorsOf = async () =>
    (await t.http().get('/api/v1/people/sync-errors').query({ job: OPS }).set(t.auth(Role.Supervisor)).expect(200))
      .body;

  beforeAll(async () => {
    sim = await startPeopleSim({ size: SIZE });
    t = await startPeopleApp(sim, { PEOPLE_API_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS), PEOPLE_API_MAX_RETRIES: '2' });
    ds = dataSourceOf(t);
    expect((await runSync(t, OPS)).status).toBe('succeeded');
  });
  afterEach(() => sim.setFaults(NO_FAULTS));
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('500s past the retries fail the run mid-pagination and leave the cache as it was', async () => {
    sim.mutate({ change: 150 });
    await ds.query(`UPDATE people_operator_cache SET full_synced_at = ?`, [
      toDbTime(new Date(Date.now() - 2 * 86_400_000)),
    ]);
    const before = await snapshot(ds, 'people_operator_cache');
    sim.setFaults({ faultAfter: 2, fail500: 10 });
    const run = await runSync(t, OPS);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/HTTP 500, gave up after 3 attempts/);
    expect(await snapshot(ds, 'people_operator_cache')).toBe(before);
    expect((await errorsOf())[0]).toMatchObject({
      recordId: null,
      payloadHash: null,
      error: expect.stringContaining('cache left unchanged'),
    });
  });

  it('500s within the retries are ridden out', async () => {
    sim.setFaults({ fail500: 2 });
    expect(await runSync(t, OPS)).toMatchObject({ status: 'succeeded', counts: { full: 1, fetched: SIZE } });
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/people_api_requests_total\{endpoint="\/v1\/operators",outcome="http_5xx"\} 5\n/);
  });

  it('hangs past the client timeout are retried, and fail the run when they persist', async () => {
    sim.setFaults({ hang: 1 });
    const started = performance.now();
    expect((await runSync(t, OPS)).status).toBe('succeeded');
    expect(performance.now() - started).toBeGreaterThanOrEqual(CLIENT_TIMEOUT_MS);
    const before = await snapshot(ds, 'people_operator_cache');
    sim.setFaults({ hang: 5 });
    const run = await runSync(t, OPS);
    expect(run).toMatchObject({
      status: 'failed',
      error: expect.stringContaining(`no answer within ${CLIENT_TIMEOUT_MS} ms`),
    });
    expect(await snapshot(ds, 'people_operator_cache')).toBe(before);
  });

  it('429s are retried after Retry-After', async () => {
    sim.setFaults({ rateLimit: 2, retryAfterSeconds: 1 });
    const started = performance.now();
    expect((await runSync(t, OPS)).status).toBe('succeeded');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/people_api_requests_total\{endpoint="\/v1\/operators",outcome="rate_limited"\} 2/);
  });

  it('malformed records are logged by id and payload hash, skipped, and the run goes on', async () => {
    await ds.query(`UPDATE people_operator_cache SET full_synced_at = ?`, [
      toDbTime(new Date(Date.now() - 2 * 86_400_000)),
    ]);
    const bad = sim.operators().filter((o) => isMalformed(o.id, 0.05));
    expect(bad.length).toBeGreaterThan(3);
    const cachedBad = await ds.query(
      `SELECT * FROM people_operator_cache WHERE id IN (${bad.map(() => '?').join(', ')}) ORDER BY id`,
      bad.map((o) => o.id),
    );
    sim.setFaults({ malformedRate: 0.05 });
    const run = await runSync(t, OPS);
    expect(run).toMatchObject({
      status: 'succeeded',
      counts: { fetched: SIZE, upserted: SIZE - bad.length, rejected: bad.length, full: 1 },
    });
    const logged = (await errorsOf()).slice(0, bad.length);
    expect(logged.map((e: { recordId: string }) => e.recordId).sort()).toEqual(bad.map((o) => o.id).sort());
    for (const e of logged) expect(e.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    // the last good copy of a malformed record stays: still active, still expiring later
    const after = await ds.query(
      `SELECT id, employee_no, email, phone, skills FROM people_operator_cache WHERE id IN (${bad.map(() => '?').join(', ')}) ORDER BY id`,
      bad.map((o) => o.id),
    );
    expect(after).toEqual(
      cachedBad.map((r: Record<string, unknown>) => ({
        id: r.id,
        employee_no: r.employee_no,
        email: r.email,
        phone: r.phone,
        skills: r.skills,
      })),
    );
    expect(await findRawPersonalData(ds, sim.operators())).toEqual([]);
  });

  it('counts land in job_run and /metrics', async () => {
    const runs = await ds.query(
      `SELECT counts FROM job_run WHERE job_name = ? AND status = 'succeeded' ORDER BY id DESC`,
      [OPS],
    );
    expect(JSON.parse(runs[0].counts)).toMatchObject({ fetched: SIZE, rejected: expect.any(Number) });
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/phase_job_items_total\{job="people-sync-operators",count="upserted"\} \d+/);
    expect(metrics).toMatch(/phase_job_items_total\{job="people-sync-operators",count="rejected"\} \d+/);
  });

  const operators = (prefix: string, count: number): OperatorRecord[] =>
    Array.from({ length: count }, (_, i) => ({
      id: `${prefix}-${i}`,
      employeeNo: `${prefix}${i}`,
      name: null,
      email: null,
      phone: null,
      nationalId: null,
      teamIds: [],
      skills: [],
      active: true,
      updatedAt: new Date(),
    }));
  const cached = async (prefix: string) =>
    Number((await ds.query(`SELECT COUNT(*) AS n FROM people_operator_cache WHERE id LIKE ?`, [`${prefix}-%`]))[0].n);

  it('a large write yields to the event loop between its batches, still in one transaction', async () => {
    const records = operators('yield', 2_500);
    let turns = 0;
    let writing = true;
    const turn = () => {
      if (!writing) return;
      turns++;
      setImmediate(turn);
    };
    setImmediate(turn);
    const now = new Date();
    const written = await t.app
      .get(CacheWriter)
      .writeOperators(records, [], { fetchedAt: now, expiresAt: new Date(now.getTime() + 60_000) }, null)
      .finally(() => (writing = false));

    expect(written.upserted).toBe(records.length);
    // at least one turn between each two of the (at most 1,000-row) batches
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(await cached('yield')).toBe(records.length);
  });

  it('a batch that fails while the next one is already sent leaves none of the write behind', async () => {
    const records = operators('broken', 2_500);
    // the second and third of three batches break a NOT NULL column: the third is sent before the
    // second fails, and its own failure must not go unhandled (it would end the process)
    const broken = [1_500, 2_200];
    for (const i of broken) records[i] = { ...records[i], employeeNo: null as unknown as string };
    const now = new Date();
    const stamp = { fetchedAt: now, expiresAt: new Date(now.getTime() + 60_000) };
    const writer = t.app.get(CacheWriter);

    await expect(writer.writeOperators(records, [], stamp, null)).rejects.toThrow();
    expect(await cached('broken')).toBe(0);
    // the connection is fit for the next write
    for (const i of broken) records[i] = { ...records[i], employeeNo: `mended-${i}` };
    expect((await writer.writeOperators(records, [], stamp, null)).upserted).toBe(records.length);
    expect(await cached('broken')).toBe(records.length);
  });
});
