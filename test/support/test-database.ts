import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { validateEnvironment, type EnvironmentInput } from '../../src/config/environment.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { createThrowawayMysqlDatabase } from '../../scripts/throwaway-mysql-database.js';

/**
 * A fresh, empty database for one test suite: an SQLite file in a temporary directory, or,
 * with TEST_DB=mysql, a new database on the throwaway MariaDB server that scripts/test.sh
 * started (TEST_MYSQL_URL).
 */
export interface TestDatabase {
  env: EnvironmentInput;
  kind: 'sqlite' | 'mysql';
  drop(): Promise<void>;
}

export function testDbKind(): 'sqlite' | 'mysql' {
  return process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';
}

export async function createTestDatabase(options: { charset?: 'latin1' } = {}): Promise<TestDatabase> {
  if (testDbKind() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-test-'));
    return {
      kind: 'sqlite',
      env: { DB_TYPE: 'sqlite', DB_PATH: join(dir, 'test.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const serverUrl = process.env.TEST_MYSQL_URL;
  if (!serverUrl) throw new Error('TEST_DB=mysql needs TEST_MYSQL_URL (scripts/test.sh sets it)');
  const db = await createThrowawayMysqlDatabase(serverUrl, 'pg_test', options);
  return { kind: 'mysql', env: { DB_TYPE: 'mysql', DB_URL: db.url }, drop: () => db.drop() };
}

/**
 * Runs `work` on a connection of its own to a test database, for suites that look at (or
 * break) what separate app and CLI processes did to it.
 */
export async function withDataSource<T>(db: TestDatabase, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await new DataSource({
    ...dataSourceOptions(validateEnvironment(db.env)),
    entities: [],
  }).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
