import { DirectoryRegistry } from '../src/assignment/directory-registry.js';
import { Role } from '../src/common/auth/role.js';
import { PeopleOperatorDirectory } from '../src/people/people-directory.js';
import { PEOPLE_JOBS } from '../src/people/people-sync.service.js';
import { PEOPLE_FLAG } from '../src/people/people.schema.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { startPeopleSim, type PeopleSim } from '../scripts/people-api-sim.js';
import { peopleFallbacks, runSync, startPeopleApp } from './support/people.js';
import type { TestApp } from './support/test-app.js';

const DAY = 86_400_000;
const TTL_MS = 2500;

/** A moment inside the synced window on a day the simulator gives every 20th operator leave. */
function leaveDayMorning(): Date {
  let day = Math.floor(Date.now() / DAY) * DAY + DAY;
  while ((day / DAY) % 3 !== 0) day += DAY;
  return new Date(day + 7 * 3_600_000);
}

describe('people directory: the cache behind Phase 7, local accounts as the fallback', () => {
  let sim: PeopleSim;
  let t: TestApp;
  let directory: PeopleOperatorDirectory;
  const ids: Record<string, number> = {};
  let teamId: number;

  const sync = async () => {
    for (const job of Object.values(PEOPLE_JOBS)) expect((await runSync(t, job)).status).toBe('succeeded');
  };
  const fallbacks = (operation: string, reason: string) => peopleFallbacks(t, operation, reason);

  beforeAll(async () => {
    sim = await startPeopleSim({ size: 60 });
    t = await startPeopleApp(sim, { PEOPLE_CACHE_TTL_MS: String(TTL_MS) });
    directory = t.app.get(PeopleOperatorDirectory);
    for (const code of ['E00001', 'E00002', 'E00003', 'E00006', 'E00020', 'E00050', 'LOCAL-ONLY']) {
      const res = await t
        .http()
        .post('/api/v1/operators')
        .set(t.auth(Role.Supervisor))
        .send({ code, name: `Local ${code}`, skills: ['local'] })
        .expect(201);
      ids[code] = res.body.id;
    }
    teamId = (
      await t
        .http()
        .post('/api/v1/teams')
        .set(t.auth(Role.Supervisor))
        .send({ code: 'TEAM-001', name: 'Local team', memberCodes: ['E00001'] })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  const asked = async () => (await t.app.get(DirectoryRegistry).current()).source;

  it('is not what Phase 7 asks while its caches are empty, nor with the flag off: the local directory answers', async () => {
    expect(await asked()).toBe('local');
    expect(await fallbacks('directory', 'cache_empty')).toBe(1);
    await t.app.get(FlagsService).set(PEOPLE_FLAG, false, { actor: 'test', reason: 'off' });
    expect(await asked()).toBe('local');
    expect(await fallbacks('directory', 'cache_empty')).toBe(1);
    // asked anyway, it answers from local accounts, and that is no fallback
    const local = await directory.operators([ids.E00001]);
    expect(local.get(ids.E00001)).toMatchObject({ name: 'Local E00001', skills: ['local'] });
    expect(await fallbacks('directory_operators', 'cache_empty')).toBe(0);
    // nor does a scheduled tick sync anything with the flag off
    expect(await t.app.get(JobsService).tick(PEOPLE_JOBS.operators, new Date())).toBeNull();
    await t.app.get(FlagsService).set(PEOPLE_FLAG, true, { actor: 'test', reason: 'on' });
  });

  it('falls back to local accounts, logged, while the cache is empty', async () => {
    const answer = await directory.operators([ids.E00001]);
    expect(answer.get(ids.E00001)!.name).toBe('Local E00001');
    expect(await fallbacks('directory_operators', 'cache_empty')).toBe(1);
  });

  it('answers from the fresh cache, matched to local accounts by employee number', async () => {
    await sync();
    expect(await asked()).toBe('people');
    const people = new Map(sim.operators().map((o) => [o.employee_no, o]));
    const operators = await directory.operators(Object.values(ids));
    expect([...operators.keys()].sort()).toEqual(
      ['E00001', 'E00002', 'E00003', 'E00006', 'E00020', 'E00050'].map((c) => ids[c]).sort(),
    );
    expect(operators.get(ids.E00002)).toEqual({
      accountId: ids.E00002,
      code: 'E00002',
      name: people.get('E00002')!.name,
      active: true,
      skills: people.get('E00002')!.skills,
    });
    expect(operators.get(ids.E00050)!.active).toBe(false);

    const teams = await directory.teams([teamId]);
    const members = sim
      .operators()
      .filter((o) => o.team_ids.includes('T001'))
      .map((o) => ids[o.employee_no])
      .filter(Boolean);
    expect(teams.get(teamId)).toEqual({
      teamId,
      code: 'TEAM-001',
      name: 'Team 1',
      active: true,
      memberAccountIds: members.sort((a, b) => a - b),
    });
    expect(members.length).toBeGreaterThan(0);

    const at = leaveDayMorning();
    const unavailable = await directory.operatorUnavailability(
      [ids.E00001, ids.E00002, ids.E00020, ids.E00050, ids['LOCAL-ONLY']],
      at,
    );
    expect(unavailable.get(ids.E00002)).toEqual([]);
    expect(unavailable.get(ids.E00001)).toEqual([{ reason: 'outside_availability_window' }]);
    expect(unavailable.get(ids.E00020)).toEqual([{ reason: 'on_leave' }]);
    expect(unavailable.get(ids.E00050)!.map((u) => u.reason)).toEqual(['inactive', 'outside_availability_window']);
    expect(unavailable.get(ids['LOCAL-ONLY'])).toEqual([
      { reason: 'inactive', detail: 'unknown to the People system' },
    ]);
    expect((await directory.teamUnavailability([teamId], at)).get(teamId)).toEqual([]);
  });

  it('asked about a moment outside the synced window, declines to the local directory', async () => {
    const before = await fallbacks('directory_operator_availability', 'outside_cached_window');
    await directory.operatorUnavailability([ids.E00002], new Date(Date.now() + 60 * DAY));
    expect(await fallbacks('directory_operator_availability', 'outside_cached_window')).toBe(before + 1);
  });

  it('falls back to local accounts, logged, once the cache expires; a sync makes it fresh again', async () => {
    await new Promise((r) => setTimeout(r, TTL_MS + 100));
    const status = (await t.http().get('/api/v1/people/sync-status').set(t.auth(Role.Viewer)).expect(200)).body;
    expect(status.jobs.map((j: { cache: { state: string } }) => j.cache.state)).toEqual(['stale', 'stale', 'stale']);
    expect(await asked()).toBe('local');
    expect(await fallbacks('directory', 'cache_expired')).toBe(1);
    const expired = await directory.operators([ids.E00002]);
    expect(expired.get(ids.E00002)!.name).toBe('Local E00002');
    expect(await fallbacks('directory_operators', 'cache_expired')).toBe(1);
    expect((await directory.teams([teamId])).get(teamId)!.memberAccountIds).toEqual([ids.E00001]);

    // an incremental run that fetches almost nothing still confirms every row
    expect((await runSync(t, PEOPLE_JOBS.operators)).counts).toMatchObject({ full: 0, fetched: 1 });
    expect((await directory.operators([ids.E00002])).get(ids.E00002)!.name).not.toBe('Local E00002');
  });
});
