import { Role } from '../src/common/auth/role.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { within } from './support/wait.js';

/** Long enough for these requests on a loaded machine, far shorter than a hang. */
const HANG_MS = 20_000;

/**
 * The admin paths an operator reaches for during an incident, on a MySQL pool of one
 * connection: none of them may hold a connection while it waits for another, or it waits
 * forever (mysql2 has no acquire timeout). Side by side requests share the one connection in
 * turn. On SQLite, with its single connection, the same requests must simply answer.
 */
describe('admin paths on a pool of one connection', () => {
  let t: TestApp;
  const admin = () => t.auth(Role.Admin);

  beforeAll(async () => {
    t = await startTestApp({ DB_POOL_SIZE: '1', JOBS_ENABLED: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  const phaseNumbers = () =>
    t.app
      .get(PhaseRegistry)
      .all()
      .map((p) => p.number);
  const all = <T>(n: number, request: () => Promise<T>, what: string) =>
    within(Promise.all(Array.from({ length: n }, request)), HANG_MS, () => `${n} ${what} still waiting`);

  it(
    'phase statuses answer, three requests at once',
    async () => {
      const answers = await all(3, () => t.http().get('/api/v1/admin/phases').set(admin()), 'status requests');
      for (const res of answers) {
        expect(res.status).toBe(200);
        expect(res.body.map((p: { number: number }) => p.number)).toEqual(phaseNumbers());
      }
    },
    HANG_MS + 10_000,
  );

  it(
    'rollback dry runs answer, three at once',
    async () => {
      const body = {
        toPhase: Math.min(...phaseNumbers()),
        revertSchema: true,
        dryRun: true,
        reason: 'small pool rehearsal',
      };
      const answers = await all(3, () => t.http().post('/api/v1/admin/rollbacks').set(admin()).send(body), 'dry runs');
      for (const res of answers) {
        expect(res.status).toBe(200);
        expect(res.body.phases).toEqual(phaseNumbers().reverse());
      }
    },
    HANG_MS + 10_000,
  );

  it(
    'a rollback that backs a phase up and reverts its schema finishes',
    async () => {
      const res = await within(
        t
          .http()
          .post('/api/v1/admin/rollbacks')
          .set(admin())
          .send({ phase: 10, revertSchema: true, backup: true, reason: 'small pool drill' }),
        HANG_MS,
        () => 'the rollback still running',
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'completed', phases: [10] });
      expect(res.body.backupLocation).toEqual(expect.any(String));
      const [dashboard] = (await t.http().get('/api/v1/admin/phases').set(admin()).expect(200)).body.filter(
        (p: { number: number }) => p.number === 10,
      );
      expect(dashboard.schema.state).toBe('reverted');
    },
    HANG_MS + 10_000,
  );
});
