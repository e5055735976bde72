import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import type { TestDatabase } from './test-database.js';

const run = promisify(execFile);
const MARIADBD = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].find(existsSync) ?? 'mariadbd';

/**
 * A MariaDB server of the suite's own (scripts/mariadb-test-server.sh in TypeScript), for
 * faults that would break every other suite on the shared server: it can be stopped and
 * started again on the same port and data directory, as a database restart does.
 */
export interface MariaDbInstance {
  url: string;
  /** A fresh database on this server, shaped like createTestDatabase()'s. */
  database(): Promise<TestDatabase>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export async function startMariaDbInstance(): Promise<MariaDbInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'phasegate-own-mariadb-'));
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  let child: ChildProcess | null = null;

  const start = async () => {
    child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${dir}/data`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        `--pid-file=${dir}/mysqld.pid`,
        '--innodb-buffer-pool-size=64M',
        '--innodb-flush-log-at-trx-commit=2',
        `--log-error=${dir}/error.log`,
      ],
      { stdio: 'ignore' },
    );
    const started = Date.now();
    for (;;) {
      try {
        await run('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-e', 'SELECT 1']);
        return;
      } catch (error) {
        if (child.exitCode !== null || Date.now() - started > 60_000)
          throw new Error(`MariaDB did not start: ${String(error)} (see ${dir}/error.log)`, { cause: error });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const stop = async () => {
    const server = child;
    child = null;
    if (!server || server.exitCode !== null) return;
    await new Promise<void>((r) => {
      server.once('exit', () => r());
      server.kill('SIGTERM');
    });
  };

  const destroy = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${dir}/data`,
      '--user=root',
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
    ]);
    await start();
    await run('mariadb', [
      '--no-defaults',
      '-S',
      socket,
      '-uroot',
      '-e',
      `CREATE USER 'phasegate'@'127.0.0.1' IDENTIFIED BY 'phasegate'; GRANT ALL PRIVILEGES ON *.* TO 'phasegate'@'127.0.0.1';`,
    ]);
  } catch (error) {
    // the caller gets no handle to clean up with; the server's own words go with the error
    const log = existsSync(`${dir}/error.log`)
      ? readFileSync(`${dir}/error.log`, 'utf8').split('\n').slice(-20).join('\n')
      : '';
    await destroy();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log}`, { cause: error });
  }
  const url = `mysql://phasegate:phasegate@127.0.0.1:${port}/mysql`;
  return {
    url,
    start,
    stop,
    destroy,
    database: async () => {
      const name = `pg_own_${Date.now().toString(36)}`;
      const admin = await createConnection(url);
      await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await admin.end();
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      // dropped with the server's data directory
      return { kind: 'mysql', env: { DB_TYPE: 'mysql', DB_URL: dbUrl.toString() }, drop: async () => undefined };
    },
  };
}
