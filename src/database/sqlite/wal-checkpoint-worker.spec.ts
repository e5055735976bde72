import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalCheckpointWorker, type WalCheckpointEvents } from './wal-checkpoint-worker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

describe('WalCheckpointWorker', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  const failures: string[] = [];
  const stops: Error[] = [];
  const events: WalCheckpointEvents = { checkpointFailed: (m) => failures.push(m), stopped: (e) => stops.push(e) };

  /** 400 commits of 4 KiB each: ~800 WAL frames, under the backstop, so only the worker can move them into the file. */
  const writeCommits = () => {
    const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
    for (let i = 0; i < 400; i++) insert.run(Buffer.alloc(4096, i % 251));
  };
  const fileSize = () => statSync(path).size;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'phasegate-wal-'));
    path = join(dir, 'db.sqlite');
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 10000');
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)');
    failures.length = 0;
    stops.length = 0;
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file while the writer goes on, and stops cleanly', async () => {
    const worker = WalCheckpointWorker.start(path, 20, events);
    const before = fileSize();
    writeCommits();
    await until(() => fileSize() > before + 1_000_000, 5_000);
    await worker.stop();
    await worker.stop();
    // stopped means stopped: what is written now stays in the WAL
    const after = fileSize();
    writeCommits();
    await sleep(200);
    expect(fileSize()).toBe(after);
    expect(db.prepare('SELECT COUNT(*) AS n FROM filler').get()).toEqual({ n: 800 });
    expect(failures).toEqual([]);
    expect(stops).toEqual([]);
  });

  it('reports a worker that cannot open the database as stopped, and stop() still returns', async () => {
    const worker = WalCheckpointWorker.start(join(dir, 'missing.sqlite'), 20, events);
    await until(() => stops.length > 0, 5_000);
    expect(stops[0].message).toMatch(/^cannot open .*missing\.sqlite: unable to open database file$/);
    await worker.stop();
  });
});
