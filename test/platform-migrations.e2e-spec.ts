import { appMigrations } from '../src/app.module.js';
import { assertBuilt, runCli, ServerProcess, startServer } from './support/processes.js';
import { createTestDatabase, TestDatabase, withDataSource } from './support/test-database.js';
import { checkedFetch } from './support/openapi-contract.js';

const ALL_NAMES = appMigrations()
  .map((M) => new M().name ?? M.name)
  .sort();

/** Each migration's name and how often the `migrations` table records it, plus the lock row. */
async function migrationState(db: TestDatabase) {
  return withDataSource(db, async (ds) => {
    const rows: Array<{ name: string; n: number | string }> = await ds.query(
      'SELECT name, COUNT(*) AS n FROM migrations GROUP BY name ORDER BY name',
    );
    const lock: Array<{ owner: string | null }> = await ds.query(
      `SELECT owner FROM migration_lock WHERE name = 'migrations'`,
    );
    return { counts: Object.fromEntries(rows.map((r) => [r.name, Number(r.n)])), lockOwners: lock.map((l) => l.owner) };
  });
}

const onceEach = () => ({ counts: Object.fromEntries(ALL_NAMES.map((n) => [n, 1])), lockOwners: [null] });

/**
 * Separate processes racing on one empty database (the same SQLite file, or one MariaDB
 * database with TEST_DB=mysql): the migration lock must let each migration run exactly once.
 */
// several node processes booting at once on a shared two-core runner take their time
const SLOW = 120_000;

describe('concurrent migration runs', () => {
  beforeAll(assertBuilt);

  it(
    'two `migrate` commands started together apply each migration once and release the lock',
    async () => {
      const db = await createTestDatabase();
      try {
        const results = await Promise.all([runCli(['migrate'], db.env), runCli(['migrate'], db.env)]);
        for (const r of results) expect(r.code === 0 ? 'exit 0' : `exit ${r.code}: ${r.stderr}`).toBe('exit 0');
        // what each process reports having applied: the lock serialises the runs, so between
        // them every migration is reported exactly once
        const applied = results.flatMap((r) => [
          ...(/^Applied \d+: (.*)$/m.exec(r.stdout)?.[1].split(', ') ?? []),
          ...(/^Empty database: applied (.*)$/m.exec(r.stderr)?.[1].split(', ') ?? []),
        ]);
        expect(applied.sort()).toEqual(ALL_NAMES);
        expect(await migrationState(db)).toEqual(onceEach());
      } finally {
        await db.drop();
      }
    },
    SLOW,
  );

  it(
    'three servers started together on an empty database migrate once and all become ready',
    async () => {
      const db = await createTestDatabase();
      const servers: ServerProcess[] = [];
      try {
        const started = await Promise.allSettled([1, 2, 3].map(() => startServer(db.env)));
        for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
        expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'listening'))).toEqual([
          'listening',
          'listening',
          'listening',
        ]);
        for (const server of servers) {
          const ready = await checkedFetch(`${server.url}/health/ready`);
          expect(ready.status).toBe(200);
        }
        expect(await migrationState(db)).toEqual(onceEach());
        const appliedLines = servers.flatMap((s) =>
          s
            .stdout()
            .split('\n')
            .filter((l) => l.includes('"context":"Migrator"') && l.includes('applied ')),
        );
        expect(appliedLines).toHaveLength(ALL_NAMES.length);
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
        await db.drop();
      }
    },
    SLOW,
  );
});
