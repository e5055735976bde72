import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { assertBuilt, runCli } from './support/processes.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, testDbKind, withDataSource, type TestDatabase } from './support/test-database.js';

const NAMES = ['漢字の作業者', 'Zoë Ørsted-Łukasz', 'Ωmega ☃ 🚀👩🏽‍🔧', 'العربية', 'a\u0301 (combining)'];

/**
 * Names in any script go in and come back unchanged on both databases. On MariaDB the
 * database is created latin1, the default of an unconfigured server before 11.6: the migrator
 * has to switch it before creating tables.
 */
describe('unicode names round-trip, whatever the database was created with', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase({ charset: 'latin1' });
    t = await startTestApp({ JOBS_ENABLED: 'false' }, db);
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('stores operators and teams named in any script and returns them unchanged', async () => {
    for (const [i, name] of NAMES.entries()) {
      const created = await t
        .http()
        .post('/api/v1/operators')
        .set(t.auth(Role.Supervisor))
        .send({ code: `UNI-${i}`, name })
        .expect(201);
      expect(
        (await t.http().get(`/api/v1/operators/${created.body.id}`).set(t.auth(Role.Viewer)).expect(200)).body.name,
      ).toBe(name);
    }
    const team = await t
      .http()
      .post('/api/v1/teams')
      .set(t.auth(Role.Supervisor))
      .send({ code: 'UNI-T', name: NAMES[2], memberCodes: ['UNI-0'] })
      .expect(201);
    expect(team.body).toMatchObject({ name: NAMES[2], members: [{ name: NAMES[0] }] });
  });

  (testDbKind() === 'mysql' ? it : it.skip)('creates every table in utf8mb4 (MariaDB)', async () => {
    const rows: Array<{ name: string; collation: string }> = await t.app
      .get(DataSource)
      .query(
        `SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`,
      );
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => !r.collation.startsWith('utf8mb4')).map((r) => `${r.name}: ${r.collation}`)).toEqual([]);
  });

  (testDbKind() === 'mysql' ? it : it.skip)(
    'names a table created latin1 before it, with the statement to convert it (MariaDB)',
    async () => {
      assertBuilt();
      const older = await createTestDatabase({ charset: 'latin1' });
      try {
        await withDataSource(older, (ds) =>
          ds.query(`CREATE TABLE legacy_notes (id INT PRIMARY KEY, note VARCHAR(50))`),
        );
        const migrate = await runCli(['migrate'], older.env);
        expect(migrate.code).toBe(0);
        expect(migrate.stdout + migrate.stderr).toContain(
          'ALTER TABLE `legacy_notes` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
        );
      } finally {
        await older.drop();
      }
    },
    60_000,
  );
});
