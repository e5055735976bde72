import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../src/dashboard/dashboard.schema.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { READ_ONLY_HOLD } from '../src/phases/jobs/job-hold.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { buildPhasesCli, runPhasesCli } from './support/phases-cli-build.js';
import { sleep } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';

const EVERY_SECOND = '* * * * * *';
const TICKS = 4;

/**
 * APP_MODE=readonly is the runbook's total write stop: a replica in it runs no phase job, so
 * nothing writes job_run, job_lease or the analytics tables, and its status says why.
 */
describe('APP_MODE=readonly holds every phase job', () => {
  let writer: TestApp;
  let readOnly: TestApp;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await writer.app.get(DataSource).query<Array<{ n: unknown }>>(sql, params))[0].n);

  beforeAll(async () => {
    await buildPhasesCli();
    writer = await startTestApp({ JOBS_ENABLED: 'false' });
    await writer.app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'test', reason: 'dashboard on' });
    readOnly = await startTestApp(
      { APP_MODE: 'readonly', JOBS_ENABLED: 'true', DASHBOARD_REFRESH_CRON: EVERY_SECOND, MIGRATE_ON_START: 'false' },
      writer.db,
    );
  }, 180_000);
  afterAll(async () => {
    await readOnly?.close();
    await writer?.close();
  });

  it(`runs no tick of the dashboard refresh over ${TICKS} ticks with its flag on: no job_run, job_lease or analytics row`, async () => {
    expect(readOnly.app.get(FlagsService).isEnabled(DASHBOARD_FLAG)).toBe(true);
    await sleep(TICKS * 1000 + 500);
    expect({
      jobRuns: await count(`SELECT COUNT(*) AS n FROM job_run`),
      jobLeases: await count(`SELECT COUNT(*) AS n FROM job_lease`),
      refreshState: await count(`SELECT COUNT(*) AS n FROM mv_refresh_state`),
    }).toEqual({ jobRuns: 0, jobLeases: 0, refreshState: 0 });
    await expect(readOnly.app.get(JobsService).runNow(REFRESH_JOB)).rejects.toMatchObject({ code: 'READ_ONLY' });
    expect(await count(`SELECT COUNT(*) AS n FROM job_run`)).toBe(0);
  });

  it('shows each job as held by read-only mode in the phase status and the job list; a writable replica shows none', async () => {
    const phases = await readOnly.http().get('/api/v1/admin/phases').set(readOnly.auth(Role.Supervisor)).expect(200);
    const jobs = (phases.body as Array<{ jobs: Array<{ name: string; heldBy: string | null }> }>).flatMap(
      (p) => p.jobs,
    );
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.heldBy === READ_ONLY_HOLD)).toBe(true);
    const list = await readOnly.http().get('/api/v1/admin/jobs').set(readOnly.auth(Role.Supervisor)).expect(200);
    expect(list.body.find((j: { name: string }) => j.name === REFRESH_JOB)).toMatchObject({ heldBy: 'read-only mode' });
    const normal = await writer.http().get('/api/v1/admin/jobs').set(writer.auth(Role.Supervisor)).expect(200);
    expect(normal.body.every((j: { heldBy: string | null }) => j.heldBy === null)).toBe(true);
  });

  it('`phases status --json` with APP_MODE=readonly says the same', async () => {
    const result = await runPhasesCli(['phases', 'status', '--json'], {
      ...writer.db.env,
      APP_MODE: 'readonly',
      LOG_LEVEL: 'warn',
    });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const status = JSON.parse(result.stdout.slice(result.stdout.search(/^\[(?!Nest)/m))) as Array<{
      number: number;
      jobs: Array<{ name: string; heldBy: string | null }>;
    }>;
    expect(status.find((p) => p.number === 10)?.jobs).toEqual([
      expect.objectContaining({ name: REFRESH_JOB, heldBy: READ_ONLY_HOLD }),
    ]);
  });
});
