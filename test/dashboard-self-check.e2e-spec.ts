import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DashboardRefreshService } from '../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from '../src/dashboard/dashboard.schema.js';
import { fromDbTime, toDbTime } from '../src/database/dialect.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import type { JobRun } from '../src/phases/jobs/job-run.entity.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { seededRandom as random } from '../scripts/seeded-random.js';
import { seedWorld, walkTokens, writeEvents } from './support/dashboard-factory.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { sleep } from './support/wait.js';

const HOUR = 3_600_000;
const FLOW = 'mv_token_flow_summary';
const CYCLES = 'mv_cycle_time_analytics';

describe('dashboard self-check', () => {
  let t: TestApp;
  let ds: DataSource;
  let first: JobRun | null;
  const now = Date.now();

  const jobs = () => t.app.get(JobsService);
  const generation = async (view: string) =>
    Number(
      (
        await ds.query<Array<{ generation: number | string }>>(
          `SELECT generation FROM mv_refresh_state WHERE view_name = ?`,
          [view],
        )
      )[0].generation,
    );
  const mismatchesCounted = async (view: string) => {
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    const counted = new RegExp(`dashboard_self_check_mismatches_total\\{view="${view}"\\} (\\d+)`).exec(metrics);
    return counted ? Number(counted[1]) : 0;
  };
  const modes = async () =>
    Object.fromEntries(
      (await ds.query<Array<{ view_name: string; mode: string }>>(`SELECT view_name, mode FROM mv_refresh_state`)).map(
        (r) => [r.view_name, r.mode],
      ),
    );

  beforeAll(async () => {
    // a self-check time every second: each tick a second after the last refresh is due one
    t = await startTestApp({ JOBS_ENABLED: 'false', DASHBOARD_SELF_CHECK_CRON: '* * * * * *' });
    ds = t.app.get(DataSource);
    const world = await seedWorld(ds, random(21), 'check');
    await writeEvents(ds, walkTokens(world, random(22), 80, now, 'check'), () => now);
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'test', reason: 'dashboard self-check tests' });
    first = await jobs().tick(REFRESH_JOB, new Date());
  });
  afterAll(() => t.close());

  it('builds in full at the first refresh without checking, then checks at the first tick after a self-check time', async () => {
    expect(first?.counts).toEqual({ views_refreshed: 4, incremental: 0, rows: expect.any(Number) });
    // due once a self-check time has passed since the history views were refreshed
    const refresher = t.app.get(DashboardRefreshService);
    const [{ refreshed_at }] = await ds.query<Array<{ refreshed_at: string | Date }>>(
      `SELECT MIN(refreshed_at) AS refreshed_at FROM mv_refresh_state WHERE view_name IN (?, ?)`,
      [FLOW, CYCLES],
    );
    const last = fromDbTime(refreshed_at).getTime();
    expect(await refresher.selfCheckDue(new Date(last))).toBe(false);
    expect(await refresher.selfCheckDue(new Date(Math.floor(last / 1000) * 1000 + 1000))).toBe(true);
    await sleep(1_100);

    const checked = await jobs().tick(REFRESH_JOB, new Date());

    expect(checked).toMatchObject({
      status: 'succeeded',
      triggeredBy: 'schedule',
      counts: { views_refreshed: 4, views_checked: 2, mismatches: 0 },
    });
    expect(await modes()).toMatchObject({ [FLOW]: 'full', [CYCLES]: 'full' });
    expect(await mismatchesCounted(FLOW)).toBe(0);
  });

  it('logs and counts a corrupted and a missing aggregate row, and keeps the full rebuild that heals them', async () => {
    const [flow] = await ds.query<Array<{ node_id: number; bucket_start: string | Date; entered: number | string }>>(
      `SELECT node_id, bucket_start, entered FROM ${FLOW} WHERE generation = ? AND bucket_start < ? ORDER BY bucket_start, node_id LIMIT 1`,
      [await generation(FLOW), toDbTime(new Date(now - 6 * HOUR))],
    );
    const [cycle] = await ds.query<Array<{ product_code: string; day: string; tokens_finished: number | string }>>(
      `SELECT product_code, day, tokens_finished FROM ${CYCLES} WHERE generation = ? AND day < ? ORDER BY day, product_code LIMIT 1`,
      [await generation(CYCLES), toDbTime(new Date(now)).slice(0, 10)],
    );
    // history an incremental refresh copies forward as it is
    expect(flow).toBeDefined();
    expect(cycle).toBeDefined();
    await ds.query(
      `UPDATE ${FLOW} SET entered = entered + 7 WHERE generation = ? AND node_id = ? AND bucket_start = ?`,
      [await generation(FLOW), flow.node_id, flow.bucket_start],
    );
    await ds.query(`DELETE FROM ${CYCLES} WHERE generation = ? AND product_code = ? AND day = ?`, [
      await generation(CYCLES),
      cycle.product_code,
      cycle.day,
    ]);
    const logged: Array<{ view?: string; rows?: number; first?: unknown[] }> = [];
    // every Logger instance's warn, this test's own run only: restored right after it
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const warn = Logger.prototype.warn;
    Logger.prototype.warn = function (this: Logger, message: unknown, ...rest: unknown[]) {
      logged.push(message as (typeof logged)[number]);
      warn.call(this, message, ...rest);
    };

    // on request, through the job-run mechanism (as POST /api/v1/phases/jobs/:name/run and POST /api/v1/dashboard/refresh)
    const run = await jobs()
      .runNow(REFRESH_JOB)
      .finally(() => (Logger.prototype.warn = warn));

    expect(run).toMatchObject({ status: 'succeeded', counts: { views_checked: 2, mismatches: 2 } });
    expect(await mismatchesCounted(FLOW)).toBe(1);
    expect(await mismatchesCounted(CYCLES)).toBe(1);
    expect(logged.find((e) => e.view === FLOW)).toMatchObject({
      rows: 1,
      first: [
        {
          key: { node_id: flow.node_id },
          expected: { entered: Number(flow.entered) },
          found: { entered: Number(flow.entered) + 7 },
        },
      ],
    });
    expect(logged.find((e) => e.view === CYCLES)).toMatchObject({
      rows: 1,
      first: [
        {
          key: { product_code: cycle.product_code, day: cycle.day },
          expected: { tokens_finished: Number(cycle.tokens_finished) },
          found: null,
        },
      ],
    });
    const [healedFlow] = await ds.query<Array<{ entered: number | string }>>(
      `SELECT entered FROM ${FLOW} WHERE generation = ? AND node_id = ? AND bucket_start = ?`,
      [await generation(FLOW), flow.node_id, flow.bucket_start],
    );
    expect(Number(healedFlow.entered)).toBe(Number(flow.entered));
    const [healedCycle] = await ds.query<Array<{ tokens_finished: number | string }>>(
      `SELECT tokens_finished FROM ${CYCLES} WHERE generation = ? AND product_code = ? AND day = ?`,
      [await generation(CYCLES), cycle.product_code, cycle.day],
    );
    expect(Number(healedCycle.tokens_finished)).toBe(Number(cycle.tokens_finished));

    // healed: the next check finds nothing, and the counter keeps what it counted
    expect((await jobs().runNow(REFRESH_JOB)).counts).toMatchObject({ views_checked: 2, mismatches: 0 });
    expect(await mismatchesCounted(FLOW)).toBe(1);
  });
});
