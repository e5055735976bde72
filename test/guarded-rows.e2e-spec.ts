import type { DataSource, EntityManager } from 'typeorm';
import { dialectOf, updateGuardedRows, type GuardedRow } from '../src/database/dialect.js';
import { inTransaction } from '../src/database/transaction.js';
import { createTestDatabase, withDataSource, type TestDatabase } from './support/test-database.js';

/**
 * updateGuardedRows on the real database: the token's move and OEM's step change ride on it,
 * in one multi-table UPDATE on MySQL and a statement per row on SQLite.
 */
describe('rows of several tables changed together, each on its guard', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const withTables = (work: (ds: DataSource) => Promise<void>) =>
    withDataSource(db, async (ds) => {
      await ds.query('CREATE TABLE guard_item (id INT PRIMARY KEY, version INT NOT NULL, note VARCHAR(20))');
      await ds.query('CREATE TABLE guard_step (id INT PRIMARY KEY, status VARCHAR(20) NOT NULL, note VARCHAR(20))');
      try {
        await ds.query(`INSERT INTO guard_item (id, version, note) VALUES (1, 3, NULL), (2, 3, NULL)`);
        await ds.query(`INSERT INTO guard_step (id, status, note) VALUES (1, 'pending', NULL)`);
        await work(ds);
      } finally {
        await ds.query('DROP TABLE guard_item');
        await ds.query('DROP TABLE guard_step');
      }
    });
  const rows = async (ds: DataSource) => ({
    items: await ds.query('SELECT id, version, note FROM guard_item ORDER BY id'),
    steps: await ds.query('SELECT id, status, note FROM guard_step ORDER BY id'),
  });
  const item = (version: number, note: string): GuardedRow => ({
    table: 'guard_item',
    set: { version: version + 1, note },
    where: { id: 1, version },
  });
  const step = (status: string): GuardedRow => ({
    table: 'guard_step',
    set: { status: 'active', note: 'moved' },
    where: { id: 1, status, note: null },
  });
  /** As callers use it: a miss fails the transaction, so nothing of it stays. */
  const together = (ds: DataSource, change: GuardedRow[]) =>
    inTransaction(ds, async (em: EntityManager) => {
      if (!(await updateGuardedRows(em, change))) throw new Error('missed');
    });

  it('changes every row when each still matches its guard (a null guard matches a null column)', () =>
    withTables(async (ds) => {
      await together(ds, [item(3, 'moved'), step('pending')]);
      expect(await rows(ds)).toEqual({
        items: [
          { id: 1, version: 4, note: 'moved' },
          { id: 2, version: 3, note: null },
        ],
        steps: [{ id: 1, status: 'active', note: 'moved' }],
      });
      // a single row is one plain UPDATE on either database
      await together(ds, [item(4, 'again')]);
      expect((await rows(ds)).items[0]).toEqual({ id: 1, version: 5, note: 'again' });
    }));

  it('reports a miss of any row; the failed transaction leaves every row as it was', () =>
    withTables(async (ds) => {
      const before = await rows(ds);
      for (const change of [
        [item(2, 'stale'), step('pending')],
        [item(3, 'moved'), step('done')],
      ]) {
        await expect(together(ds, change)).rejects.toThrow('missed');
        expect(await rows(ds)).toEqual(before);
      }
      // on MySQL a miss changes nothing even inside the statement's own transaction
      if (dialectOf(ds) === 'mysql') {
        expect(await inTransaction(ds, (em) => updateGuardedRows(em, [item(3, 'moved'), step('done')]))).toBe(false);
        expect(await rows(ds)).toEqual(before);
      }
    }));

  it('refuses a table or column name that is not a plain identifier, before any SQL', () =>
    withTables(async (ds) => {
      const before = await rows(ds);
      await expect(
        together(ds, [item(3, 'x'), { table: 'guard_step', set: { 'status = status; --': 'x' }, where: { id: 1 } }]),
      ).rejects.toThrow('Not a plain SQL identifier');
      expect(await rows(ds)).toEqual(before);
    }));
});
