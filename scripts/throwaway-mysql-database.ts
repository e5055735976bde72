import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

export interface ThrowawayMysqlDatabase {
  /** The server URL with the new database as its path. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database on a throwaway MariaDB server, for one test suite or one bench run;
 * utf8mb4 unless a test asks for another default character set.
 */
export async function createThrowawayMysqlDatabase(
  serverUrl: string,
  prefix: string,
  options: { charset?: 'latin1' } = {},
): Promise<ThrowawayMysqlDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = await createConnection(serverUrl);
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET ${options.charset ?? 'utf8mb4 COLLATE utf8mb4_unicode_ci'}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const conn = await createConnection(serverUrl);
      await conn.query(`DROP DATABASE IF EXISTS ${name}`);
      await conn.end();
    },
  };
}
