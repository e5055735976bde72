import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { toDbTime } from '../src/database/dialect.js';
import { createLine, startJob, type Line } from './production-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { testDbKind } from './support/test-database.js';

/** More than two of the spawn's batches of 1,000 tokens. */
const QUANTITY = 2500;

/** A metric's sample value in a Prometheus text scrape (0 when absent). */
function sample(scrape: string, series: string): number {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('production: spawning a large job in batches', () => {
  let t: TestApp;
  let line: Line;
  const sup = () => t.auth(Role.Supervisor);
  const spawn = (jobId: number) => t.http().post(`/api/v1/jobs/${jobId}/spawn`).set(sup());
  const job = async (jobId: number) => (await t.http().get(`/api/v1/jobs/${jobId}`).set(sup()).expect(200)).body;
  const listed = async (jobId: number) =>
    (await t.http().get(`/api/v1/tokens?jobId=${jobId}&limit=1`).set(sup()).expect(200)).body.items.length;
  const query = <T>(sql: string, params: unknown[] = []) => t.app.get(DataSource).query<T>(sql, params);
  const rowsOf = async (jobId: number) =>
    (
      await query<Array<{ tokens: number | string; events: number | string }>>(
        `SELECT (SELECT COUNT(*) FROM token WHERE job_id = ?) AS tokens,
           (SELECT COUNT(*) FROM token_event e JOIN token k ON k.id = e.token_id WHERE k.job_id = ?) AS events`,
        [jobId, jobId],
      )
    ).map((r) => ({ tokens: Number(r.tokens), events: Number(r.events) }))[0];

  beforeAll(async () => {
    t = await startTestApp();
    line = await createLine(t, 'SPAWN');
  });
  afterAll(() => t.close());

  it('answers other requests between its batches, which never see its tokens before the job is in_progress', async () => {
    const jobId = await startJob(t, line.graphId, 'J-BATCHES', 10_000, false);
    let spawned = false;
    const spawning = spawn(jobId).then((res) => {
      spawned = true;
      return res;
    });
    const seen: Array<{ listed: number; status: string; openTokens: number; whileSpawning: boolean }> = [];
    while (!spawned) {
      // the list first: once it shows a token, the job read after it must be in progress with all of them
      const tokens = await listed(jobId);
      const { status, openTokens } = await job(jobId);
      seen.push({ listed: tokens, status, openTokens, whileSpawning: !spawned });
    }
    expect((await spawning).status).toBe(200);
    expect(seen.some((s) => s.whileSpawning && s.status === 'released')).toBe(true);
    for (const s of seen.filter((x) => x.listed > 0))
      expect(s).toMatchObject({ status: 'in_progress', openTokens: 10_000 });
    expect(await rowsOf(jobId)).toEqual({ tokens: 10_000, events: 10_000 });
    expect(await job(jobId)).toMatchObject({ status: 'in_progress', openTokens: 10_000 });
  });

  it('fails midway on a serial another token has: 409 CONFLICT, nothing of the job left, the job still released', async () => {
    const jobId = await startJob(t, line.graphId, 'J-CLASH', QUANTITY, false);
    const other = await startJob(t, line.graphId, 'J-OTHER', 1);
    // the third batch meets it
    await query(`UPDATE token SET serial = ? WHERE serial = ?`, ['J-CLASH-2200', 'J-OTHER-0001']);
    const refused = await spawn(jobId).expect(409);
    expect(refused.body).toMatchObject({ code: 'CONFLICT' });
    expect(refused.body.message).toContain('J-CLASH-0001 to J-CLASH-2500');
    expect(await rowsOf(jobId)).toEqual({ tokens: 0, events: 0 });
    expect(await job(jobId)).toMatchObject({ status: 'released', openTokens: 0 });
    expect(await rowsOf(other)).toEqual({ tokens: 1, events: 1 });

    await query(`UPDATE token SET serial = ? WHERE serial = ?`, ['J-OTHER-0001', 'J-CLASH-2200']);
    expect((await spawn(jobId).expect(200)).body).toMatchObject({ spawned: QUANTITY, lastSerial: 'J-CLASH-2500' });
    expect(await rowsOf(jobId)).toEqual({ tokens: QUANTITY, events: QUANTITY });
  });

  it('removes what a spawn cut off by a crash left unpublished before it spawns the job again', async () => {
    const jobId = await startJob(t, line.graphId, 'J-CRASHED', 3, false);
    const now = toDbTime(new Date());
    await query(
      `INSERT INTO token (serial, job_id, current_node_id, status, version, created_at, updated_at) VALUES (?, ?, ?, 'spawning', 1, ?, ?)`,
      ['J-CRASHED-0001', jobId, line.node.S, now, now],
    );
    expect(await listed(jobId)).toBe(0);
    expect((await spawn(jobId).expect(200)).body).toMatchObject({ spawned: 3 });
    expect(await rowsOf(jobId)).toEqual({ tokens: 3, events: 3 });
  });

  it('lets only one of two spawns of a job at once through; the other gets 409 ALREADY_SPAWNED', async () => {
    const jobId = await startJob(t, line.graphId, 'J-TWICE', QUANTITY, false);
    const answers = await Promise.all([spawn(jobId), spawn(jobId)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body).toMatchObject({ code: 'ALREADY_SPAWNED' });
    expect(await rowsOf(jobId)).toEqual({ tokens: QUANTITY, events: QUANTITY });
  });

  it("measures on /metrics how long SQLite's connection was held (SQLite only) and the event loop's delay", async () => {
    const before = (await t.http().get('/metrics').expect(200)).text;
    const stalls = (scrape: string) =>
      sample(scrape, 'phasegate_event_loop_delay_seconds_count') -
      sample(scrape, 'phasegate_event_loop_delay_seconds_bucket{le="0.25"}');
    // a stall of the event loop, as a long synchronous statement would be; one that begins just
    // as the sampler resets is missed (event-loop-delay.ts says why), so up to three are made
    let after = before;
    for (let attempt = 0; attempt < 3 && stalls(after) === stalls(before); attempt++) {
      const until = Date.now() + 400;
      while (Date.now() < until);
      for (let i = 0; i < 15 && stalls(after) === stalls(before); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = (await t.http().get('/metrics').expect(200)).text;
      }
    }
    expect(stalls(after)).toBeGreaterThan(stalls(before));
    const holds = sample(after, 'phasegate_sqlite_gate_hold_seconds_count');
    if (testDbKind() === 'sqlite') expect(holds).toBeGreaterThan(0);
    else expect(after).not.toContain('phasegate_sqlite_gate_hold_seconds');
  });
});
