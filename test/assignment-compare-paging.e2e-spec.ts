import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import type { EnvironmentInput } from '../src/config/environment.js';
import { buildLine, newJob, tokensOf, type Line } from './assignment-fixture.js';
import type { components } from './support/phasegate-api.js';
import { assertBuilt, runCli } from './support/processes.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Page = components['schemas']['ComparisonDto'];

/** The most tokens this suite's app compares: a job of one more is refused without spawning anything. */
const MAX_TOKENS = 40;

interface Compared {
  tokenId: number | null;
  serial: string;
  nodeId: number;
  manual: { operatorId: number | null; teamId: number | null };
  automatic: { operatorId: number | null; teamId: number | null };
}

/** GET /assignment/compare in pages: its tokens are decided as a whole job, listed a page at a time. */
describe('assignment compare: pages, limits, the CLI', () => {
  let t: TestApp;
  let env: EnvironmentInput;
  let line: Line;
  let job: number;
  const compare = (query: string) => t.http().get(`/api/v1/assignment/compare?${query}`).set(t.auth(Role.Viewer));

  /** Every page of a job's comparison, `limit` tokens at a time. */
  async function pages(jobId: number, limit: number) {
    const bodies: Page[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: Page } = await compare(
        `jobId=${jobId}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      bodies.push(res.body);
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    return bodies;
  }

  const figures = (c: Record<string, unknown>) => {
    const { tokens, eligibleOperators, manual, automatic, differing, simulatedSpawn } = c;
    return { tokens, eligibleOperators, manual, automatic, differing, simulatedSpawn };
  };

  beforeAll(async () => {
    assertBuilt();
    t = await startTestApp({ JOBS_ENABLED: 'false', ASSIGNMENT_COMPARE_MAX_TOKENS: String(MAX_TOKENS) });
    env = { ...t.db.env, JOBS_ENABLED: 'false', LOG_LEVEL: 'warn', ASSIGNMENT_COMPARE_MAX_TOKENS: String(MAX_TOKENS) };
    line = await buildLine(t, 3);
    for (const node of [line.node.START, line.node.WORK])
      await t
        .http()
        .put(`/api/v1/assignment/plans/nodes/${node}`)
        .set(t.auth(Role.Supervisor))
        .send({ entries: [1, 2, 3].map((n) => ({ operatorCode: line.opCode(n), priority: 1 })) })
        .expect(200);
    job = await newJob(t, line, 25);
    // every third token one node on: two nodes whose tokens interleave by id
    const ids = (await tokensOf(t, job)).map((x) => x.id).filter((_, i) => i % 3 === 0);
    await t.app
      .get(DataSource)
      .query(`UPDATE token SET current_node_id = ? WHERE id IN (${ids.map(() => '?').join(', ')})`, [
        line.node.WORK,
        ...ids,
      ]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists each token on exactly one page, decided as in one page, with the whole job’s figures on every page', async () => {
    const [whole] = await pages(job, 2000);
    expect(whole.nextCursor).toBeNull();
    expect(whole.details).toHaveLength(25);
    // three equal operators: the job's decisions spread over all of them
    expect(new Set((whole.details as Compared[]).map((d) => d.automatic.operatorId)).size).toBe(3);

    const paged = await pages(job, 7);
    expect(paged.map((p) => p.details.length)).toEqual([7, 7, 7, 4]);
    const details = paged.flatMap((p) => p.details as Compared[]);
    const ids = details.map((d) => d.tokenId);
    expect(ids).toEqual((await tokensOf(t, job)).map((x) => x.id));
    expect(new Set(ids).size).toBe(25);
    expect(details).toEqual(whole.details);
    for (const p of paged) expect(figures(p)).toEqual(figures(whole));
    expect(whole).toMatchObject({ tokens: 25, simulatedSpawn: false, automatic: { filled: 25, violations: 0 } });
  });

  it('pages a simulated spawn by serial', async () => {
    const planned = await newJob(t, line, 12, false);
    const paged = await pages(planned, 5);
    expect(paged.map((p) => p.details.length)).toEqual([5, 5, 2]);
    const serials = paged.flatMap((p) => (p.details as Compared[]).map((d) => d.serial));
    expect(serials).toEqual(Array.from({ length: 12 }, (_, i) => `${paged[0].jobCode}#${i + 1}`));
    expect(paged.every((p) => p.simulatedSpawn && p.tokens === 12)).toBe(true);
  });

  it('refuses a bad limit or cursor (400, per field) and a job above ASSIGNMENT_COMPARE_MAX_TOKENS (413)', async () => {
    for (const limit of ['0', '2001', 'ten']) {
      const res: { body: { errors: Array<{ field: string }> } } = await compare(`jobId=${job}&limit=${limit}`).expect(
        400,
      );
      expect(res.body.errors.map((e) => e.field)).toEqual(['limit']);
    }
    const cursor = await compare(`jobId=${job}&cursor=not-one-of-ours`).expect(400);
    expect(cursor.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'cursor' }] });

    const big = await newJob(t, line, MAX_TOKENS + 1, false);
    const refused = await compare(`jobId=${big}`).expect(413);
    expect(refused.body.code).toBe('WORK_LIMIT_EXCEEDED');
    expect(refused.body.message).toContain(`${MAX_TOKENS + 1} tokens`);
    expect(refused.body.message).toContain('ASSIGNMENT_COMPARE_MAX_TOKENS');
    await compare(`jobId=${await newJob(t, line, MAX_TOKENS, false)}&limit=1`).expect(200);
  });

  it('the CLI reads every page of the job into one --json answer and refuses what the API refuses', async () => {
    const code = (await t.app.get(DataSource).query(`SELECT code FROM job_ticket WHERE id = ?`, [job]))[0].code;
    const [whole] = await pages(job, 2000);
    const res = await runCli(['assignment', 'compare', '--job', code, '--json', '--page-size', '4'], env, 120_000);
    expect(res.code).toBe(0);
    const c = JSON.parse(res.stdout);
    // the CLI prints the service's own shape: accountId where the API says operatorId
    const assignee = (a: { accountId: number | null; teamId: number | null }) => ({
      operatorId: a.accountId,
      teamId: a.teamId,
    });
    expect(
      c.details.map(
        (d: Compared & Record<'manual' | 'automatic', { accountId: number | null; teamId: number | null }>) => ({
          ...d,
          manual: assignee(d.manual),
          automatic: assignee(d.automatic),
        }),
      ),
    ).toEqual(whole.details);
    expect(c.nextCursor).toBeNull();
    expect(figures(c)).toEqual(figures(whole));
    expect(res.stderr).toContain('compared 25 of 25 token(s)');

    const bad = await runCli(['assignment', 'compare', '--job', code, '--json', '--page-size', '0'], env, 120_000);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toContain('page-size');
  }, 240_000);
});
