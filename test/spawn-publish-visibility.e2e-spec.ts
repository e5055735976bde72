import { DataSource } from 'typeorm';
import { WorkloadRepository } from '../src/assignment/workload.repository.js';
import { Role } from '../src/common/auth/role.js';
import { DashboardRefreshService } from '../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG } from '../src/dashboard/dashboard.schema.js';
import { toDbTime } from '../src/database/dialect.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { buildLine, newJob, type Line } from './assignment-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Tokens a spawn has made waiting while its job is still released: its publish is half done. */
const PUBLISHED_SO_FAR = 5;

describe("a spawn's publish, half done: counts of open work see none of its tokens", () => {
  let t: TestApp;
  let db: DataSource;
  let line: Line;

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    db = t.app.get(DataSource);
    line = await buildLine(t, 2, { CREW: [1] });
    await t.app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'test', reason: 'publish visibility' });
  });
  afterAll(() => t.close());

  /** The floor's waiting tokens at START, operator 1's workload, the dashboard's queue at START and the crew's waiting tokens. */
  async function counts() {
    const floor = await t.http().get(`/api/v1/floor/lines/${line.graphId}`).set(t.auth(Role.Viewer)).expect(200);
    const standing = await t.app.get(WorkloadRepository).standings(undefined, [line.op(1)]);
    await t.app.get(DashboardRefreshService).refresh({ full: true });
    const [queue] = await db.query(
      `SELECT queue_length AS n FROM mv_node_bottlenecks WHERE node_id = ? ORDER BY generation DESC LIMIT 1`,
      [line.node.START],
    );
    const [team] = await db.query(
      `SELECT tokens_waiting AS n FROM mv_team_workload WHERE team_id = ? ORDER BY generation DESC LIMIT 1`,
      [line.team('CREW')],
    );
    return {
      floor: floor.body.nodes.find((n: { nodeId: number }) => n.nodeId === line.node.START).waiting,
      workload: standing.get(line.op(1))!.workload,
      dashboardQueue: Number(queue.n),
      teamWaiting: Number(team.n),
    };
  }

  it('ignores the waiting tokens of a job still released, and counts them all once the job is in progress', async () => {
    await newJob(t, line, 3);
    const before = await counts();
    expect(before).toEqual({ floor: 3, workload: 0, dashboardQueue: 3, teamWaiting: 0 });

    const spawning = await newJob(t, line, 8, false);
    const at = toDbTime(new Date());
    for (let i = 1; i <= PUBLISHED_SO_FAR; i++)
      await db.query(
        `INSERT INTO token (serial, job_id, current_node_id, status, assigned_account_id, assigned_team_id, version, created_at, updated_at)
         VALUES (?, ?, ?, 'waiting', ?, ?, 1, ?, ?)`,
        [`PUB-${i}`, spawning, line.node.START, line.op(1), line.team('CREW'), at, at],
      );
    expect(await counts()).toEqual(before);

    await db.query(`UPDATE job_ticket SET status = 'in_progress' WHERE id = ?`, [spawning]);
    expect(await counts()).toEqual({
      floor: 3 + PUBLISHED_SO_FAR,
      workload: PUBLISHED_SO_FAR,
      dashboardQueue: 3 + PUBLISHED_SO_FAR,
      teamWaiting: PUBLISHED_SO_FAR,
    });
  });
});
