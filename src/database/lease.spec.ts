import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { toDbTime } from './dialect.js';
import { LeaseTable } from './lease.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LeaseTable.hold (on a real SQLite file)', () => {
  let dir: string;
  let ds: DataSource;
  const lease = (owner?: string) => new LeaseTable(ds, 'job_lease', owner);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phasegate-lease-'));
    ds = new DataSource({ type: 'better-sqlite3', database: join(dir, 'db.sqlite'), enableWAL: true });
    await ds.initialize();
    await ds.query(
      'CREATE TABLE job_lease (name VARCHAR(100) PRIMARY KEY, owner VARCHAR(200), expires_at DATETIME, last_tick DATETIME)',
    );
  });
  afterEach(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the work of one holder at a time; the loser gets the live holder and runs nothing', async () => {
    const a = lease();
    const b = lease();
    let ranB = false;
    const held = await a.hold('job', 10_000, async () => b.hold('job', 10_000, async () => (ranB = true)));
    expect(held).toMatchObject({ acquired: true, value: { acquired: false, holder: { owner: a.owner } } });
    expect(ranB).toBe(false);
    expect(await a.holder('job')).toBeNull();
  });

  it('releases the lease when the work throws', async () => {
    await expect(lease().hold('job', 10_000, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lease().hold('job', 10_000, async () => 'next')).toEqual({ acquired: true, value: 'next' });
  });

  it('renews the lease while the work outlasts its time to live', async () => {
    const b = lease();
    const held = await lease().hold('job', 300, async () => {
      await sleep(900);
      return (await b.hold('job', 300, async () => 'stolen')).acquired;
    });
    expect(held).toEqual({ acquired: true, value: false });
  });

  it('an expired lease (a crashed holder that stopped renewing) is taken', async () => {
    await ds.query(`INSERT INTO job_lease (name, owner, expires_at) VALUES ('job', 'elsewhere:1:dead', ?)`, [
      toDbTime(new Date(Date.now() - 1000)),
    ]);
    expect((await lease().hold('job', 10_000, async () => 1)).acquired).toBe(true);
  });

  it('with a tick, takes each tick once, however many holders try it', async () => {
    const tick = new Date('2026-01-01T00:00:00Z');
    const runs: string[] = [];
    for (const owner of ['r1:1:a', 'r2:2:b', 'r3:3:c'])
      await lease(owner).hold('job', 10_000, async () => runs.push(owner), { tick });
    expect(runs).toEqual(['r1:1:a']);
    await lease('r2:2:b').hold('job', 10_000, async () => runs.push('r2:2:b'), {
      tick: new Date(tick.getTime() + 60_000),
    });
    expect(runs).toEqual(['r1:1:a', 'r2:2:b']);
  });

  it('with waitMs, waits for the holder to finish, announcing the wait once', async () => {
    const waits: number[] = [];
    let release!: () => void;
    const first = lease().hold('job', 10_000, () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(50);
    const second = lease().hold('job', 10_000, async () => 'mine', {
      waitMs: 5_000,
      pollMs: 20,
      onWait: () => waits.push(Date.now()),
    });
    await sleep(200);
    release();
    await first;
    expect(await second).toEqual({ acquired: true, value: 'mine' });
    expect(waits).toHaveLength(1);
    expect(await lease().hold('job', 10_000, async () => 1, { waitMs: 0 })).toMatchObject({ acquired: true });
  });

  it('takes over a live lease whose holder on this host is a dead process, only when asked', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    await ds.query(`INSERT INTO job_lease (name, owner, expires_at) VALUES ('job', ?, ?)`, [
      `${hostname()}:${deadPid}:gone`,
      toDbTime(new Date(Date.now() + 60_000)),
    ]);
    expect((await lease().hold('job', 10_000, async () => 1)).acquired).toBe(false);
    expect((await lease().hold('job', 10_000, async () => 1, { takeOverDeadLocalHolder: true })).acquired).toBe(true);
  });

  it('never takes over a live holder on this host whose process runs', async () => {
    const other = lease(`${hostname()}:${process.ppid}:alive`);
    await other.hold('job', 10_000, async () => {
      expect((await lease().hold('job', 10_000, async () => 1, { takeOverDeadLocalHolder: true })).acquired).toBe(
        false,
      );
    });
  });
});
