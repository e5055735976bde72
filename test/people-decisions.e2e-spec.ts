import { AssignmentResolverService } from '../src/assignment/assignment-resolver.service.js';
import { Role } from '../src/common/auth/role.js';
import { PEOPLE_JOBS } from '../src/people/people-sync.service.js';
import { startPeopleSim, type PeopleSim } from '../scripts/people-api-sim.js';
import { buildLine, newJob, setFlag, tokensOf, type Line } from './assignment-fixture.js';
import { peopleFallbacks, runSync, startPeopleApp } from './support/people.js';
import type { TestApp } from './support/test-app.js';
import { within } from './support/wait.js';

const POOL = 2;
const PEOPLE_KNOWN = ['E00001', 'E00002', 'E00003', 'E00050'];
/** An operator the People system does not know. */
const LOCAL_ONLY = 'LOCAL-ONLY';
const DAY = 86_400_000;
const CONCURRENT = 4 * POOL;
/** Long enough for the routes on a loaded machine, far shorter than a hang. */
const HANG_MS = 20_000;

/**
 * Phase 7 asks the People directory from inside the transaction that moves a token. With a
 * pool of two connections and more routes than that at once, a directory that took a second
 * connection per decision would wait for a pool held by decisions waiting on it: on MySQL
 * every route would hang. The directory runs on the deciding transaction instead.
 */
describe('people directory inside Phase 7 decisions: on the deciding transaction', () => {
  let sim: PeopleSim;
  let t: TestApp;
  let line: Line;

  beforeAll(async () => {
    sim = await startPeopleSim({ size: 60 });
    // eligibility read afresh on every decision, so every route asks the directory
    t = await startPeopleApp(sim, { DB_POOL_SIZE: String(POOL), ASSIGNMENT_CACHE_TTL_MS: '0' });
    line = await buildLine(t, 0);
    for (const code of [...PEOPLE_KNOWN, LOCAL_ONLY])
      await t
        .http()
        .post('/api/v1/operators')
        .set(t.auth(Role.Supervisor))
        .send({ code, name: `Local ${code}` })
        .expect(201);
    const plan = (node: number, codes: string[]) =>
      t
        .http()
        .put(`/api/v1/assignment/plans/nodes/${node}`)
        .set(t.auth(Role.Supervisor))
        .send({ entries: codes.map((operatorCode) => ({ operatorCode, priority: 1 })) })
        .expect(200);
    await plan(line.node.WORK, PEOPLE_KNOWN);
    await plan(line.node.NEXT, [LOCAL_ONLY]);
    await setFlag(t, 'enable_assignment_runtime', true);
    for (const job of Object.values(PEOPLE_JOBS)) expect((await runSync(t, job)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it(
    `${CONCURRENT} routes at once on a pool of ${POOL} all finish, each decided through the People directory`,
    async () => {
      const tokens = await tokensOf(t, await newJob(t, line, CONCURRENT));
      let finished = 0;
      const routes = Promise.all(
        tokens.map((token) =>
          t
            .http()
            .post(`/api/v1/tokens/${token.id}/route`)
            .set(t.auth(Role.Operator))
            .send({ toNodeId: line.node.WORK })
            .then((res) => (finished++, res)),
        ),
      );
      const answers = await within(
        routes,
        HANG_MS,
        () => `${CONCURRENT - finished} of ${CONCURRENT} routes still waiting`,
      );
      expect(answers.map((res) => res.status)).toEqual(tokens.map(() => 200));

      for (const token of tokens) {
        const { items } = (
          await t.http().get(`/api/v1/assignment/log?tokenId=${token.id}`).set(t.auth(Role.Viewer)).expect(200)
        ).body;
        const routed = items.find((entry: { nodeId: number }) => entry.nodeId === line.node.WORK);
        // auto when someone is on a People shift at this hour, else a no_candidate fallback: People answered either way
        expect(routed).toMatchObject({ directory: 'people' });
        // E00050 is inactive in the People system only: its exclusion proves the cache was read
        const inactive = routed.candidates.find((c: { exclusions: Array<{ reason: string }> }) =>
          c.exclusions.some((e) => e.reason === 'inactive'),
        );
        expect(inactive).toBeDefined();
      }
    },
    HANG_MS + 10_000,
  );

  it('each decision names the directories that answered it', async () => {
    const resolver = t.app.get(AssignmentResolverService);
    const job = await newJob(t, line, 1, false);
    expect((await resolver.context(job, line.node.WORK, new Date())).directory).toBe('people');
    // nobody People knows: it declines every question and the local directory answers them all
    expect((await resolver.context(job, line.node.NEXT, new Date())).directory).toBe('local');
    // beyond the synced window People still says who is active, the local rules who is available
    expect((await resolver.context(job, line.node.WORK, new Date(Date.now() + 60 * DAY))).directory).toBe(
      'people+local',
    );
    // plans without teams ask no team question, so none falls back
    expect(await peopleFallbacks(t, 'directory_teams', 'no_people_match')).toBe(0);
  });
});
