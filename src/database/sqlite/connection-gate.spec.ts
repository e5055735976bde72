import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataSource, EntitySchema } from 'typeorm';
import { PROJECT_ROOT } from '../../config/project-root.js';
import { ONE_ROW } from '../dialect.js';
import { inTransaction, queryRunnerTransaction } from '../transaction.js';
import { SqliteConnectionGate } from './connection-gate.js';

interface Row {
  id?: number;
  v: string;
}

const RowEntity = new EntitySchema<Row>({
  name: 'row_entity',
  tableName: 't',
  columns: { id: { type: Number, primary: true, generated: true }, v: { type: String } },
});

/** A transaction that writes `v`, then waits for its gate to open, then fails. */
function failingTransaction(ds: DataSource, v: string) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let wrote!: () => void;
  const written = new Promise<void>((resolve) => (wrote = resolve));
  const done = inTransaction(ds, async (em) => {
    await em.query('INSERT INTO t (v) VALUES (?)', [v]);
    wrote();
    await gate;
    throw new Error(`${v} failed`);
  }).catch((error: unknown) => (error as Error).message);
  return { open, written, done };
}

describe('SqliteConnectionGate (through inTransaction, on a real SQLite file)', () => {
  let dir: string;
  let ds: DataSource;
  const values = async () => (await ds.query<Row[]>('SELECT v FROM t ORDER BY id')).map((r) => r.v);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phasegate-gate-'));
    ds = new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'db.sqlite'),
      enableWAL: true,
      entities: [RowEntity],
    });
    await ds.initialize();
    await ds.query('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)');
  });
  afterEach(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a lone write sent while another flow holds a transaction waits for it, and outlives its rollback', async () => {
    const tx = failingTransaction(ds, 'tx');
    await tx.written;
    const lone = ds.query("INSERT INTO t (v) VALUES ('lone')");
    tx.open();
    expect(await tx.done).toBe('tx failed');
    await lone;
    expect(await values()).toEqual(['lone']);
  });

  it("a lone read sent meanwhile never sees the transaction's uncommitted rows", async () => {
    const tx = failingTransaction(ds, 'uncommitted');
    await tx.written;
    const read = values();
    tx.open();
    await tx.done;
    expect(await read).toEqual([]);
  });

  it('a single-row save sent meanwhile runs after the transaction, not as part of it', async () => {
    const tx = failingTransaction(ds, 'tx');
    await tx.written;
    const saved = ds.getRepository(RowEntity).save({ v: 'saved' }, ONE_ROW);
    // time for save() to get as far as its INSERT
    await new Promise((resolve) => setTimeout(resolve, 50));
    tx.open();
    await tx.done;
    expect(await saved).toMatchObject({ id: expect.any(Number), v: 'saved' });
    expect(await values()).toEqual(['saved']);
  });

  it('a lone statement that fails rejects its sender and the queue goes on', async () => {
    const tx = failingTransaction(ds, 'tx');
    await tx.written;
    const broken = ds.query('INSERT INTO t (missing) VALUES (1)').catch((error: unknown) => (error as Error).message);
    const after = ds.query("INSERT INTO t (v) VALUES ('after')");
    tx.open();
    await tx.done;
    expect(await broken).toMatch(/no column named missing/);
    await after;
    expect(await values()).toEqual(['after']);
  });

  it('transactions take the connection one after the other: one failing never takes the next with it', async () => {
    const first = failingTransaction(ds, 'first');
    await first.written;
    const second = inTransaction(ds, (em) => em.query("INSERT INTO t (v) VALUES ('second')"));
    const third = queryRunnerTransaction(ds, (qr) => qr.query("INSERT INTO t (v) VALUES ('third')"));
    first.open();
    expect(await first.done).toBe('first failed');
    await Promise.all([second, third]);
    expect(await values()).toEqual(['second', 'third']);
  });

  it("the holder's own statements run at once, also through the data source and side by side", async () => {
    const result = await inTransaction(ds, async (em) => {
      await em.query("INSERT INTO t (v) VALUES ('a')");
      const [viaSource, viaManager] = await Promise.all([
        ds.query('SELECT COUNT(*) AS n FROM t'),
        em.query('SELECT COUNT(*) AS n FROM t'),
      ]);
      return [viaSource[0].n, viaManager[0].n];
    });
    expect(result).toEqual([1, 1]);
  });

  it('a transaction opened beside the queue is refused, naming the way, and writes nothing', async () => {
    await inTransaction(ds, (em) => em.query('SELECT 1'));
    // save() of several rows outside inTransaction opens TypeORM's own transaction
    await expect(ds.getRepository(RowEntity).save([{ v: 's1' }, { v: 's2' }])).rejects.toThrow(
      /go through inTransaction/,
    );
    await expect(ds.transaction((em) => em.query("INSERT INTO t (v) VALUES ('direct')"))).rejects.toThrow(
      /go through inTransaction/,
    );
    expect(await values()).toEqual([]);
    // and the connection is not left inside one
    await inTransaction(ds, (em) => em.query("INSERT INTO t (v) VALUES ('next')"));
    expect(await values()).toEqual(['next']);
  });

  it('a transaction that reads before it writes waits for another process holding the write lock, instead of failing', async () => {
    // the other process: a thread with its own connection (the driver blocks the thread it runs on while it waits)
    const other = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
      const db = new (require(workerData.driver))(workerData.path);
      db.prepare('BEGIN IMMEDIATE').run();
      db.prepare("INSERT INTO t (v) VALUES ('other')").run();
      parentPort.postMessage('locked');
      setTimeout(() => { db.prepare('COMMIT').run(); db.close(); }, 300);`,
      {
        eval: true,
        workerData: { driver: join(PROJECT_ROOT, 'node_modules', 'better-sqlite3'), path: join(dir, 'db.sqlite') },
      },
    );
    try {
      await new Promise((locked) => other.once('message', locked));
      // a deferred BEGIN would read here, then meet the lock at the INSERT: SQLITE_BUSY at once
      await inTransaction(ds, async (em) => {
        await em.query('SELECT COUNT(*) AS n FROM t');
        await em.query("INSERT INTO t (v) VALUES ('mine')");
      });
      expect(await values()).toEqual(['other', 'mine']);
    } finally {
      await other.terminate();
    }
  });

  it('tells its observer how long each transaction held the connection, and where the transaction was opened', async () => {
    const holds: Array<{ seconds: number; opener: string }> = [];
    SqliteConnectionGate.of(ds).observe((seconds, opener) => holds.push({ seconds, opener: opener() }));
    async function writeSlowly(): Promise<void> {
      await inTransaction(ds, async (em) => {
        await em.query("INSERT INTO t (v) VALUES ('slow')");
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
    }
    await writeSlowly();
    expect(holds).toHaveLength(1);
    expect(holds[0].seconds).toBeGreaterThanOrEqual(0.04);
    expect(holds[0].opener).toMatch(/^writeSlowly .*connection-gate\.spec\.ts:\d+:\d+\)$/);
  });
});
