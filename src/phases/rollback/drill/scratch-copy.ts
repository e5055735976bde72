import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DbType, type Environment, type EnvironmentInput } from '../../../config/environment.js';
import type { DatabaseTargetRepository } from '../../backup/database-target.repository.js';

/** The scratch database a drill copies the live one into: an SQLite file, or a database beside the live one. */
export interface ScratchCopy {
  /** What the full backup's restoreInto takes: the SQLite file, or the database name. */
  target: string;
  /** The variables that point the application at the copy instead of the live database. */
  env: EnvironmentInput;
  /** What the drill report names. */
  description: string;
  /** Removes it; safe when it was never created. */
  drop(): Promise<void>;
}

/** MariaDB and MySQL refuse longer database names. */
const MAX_NAME = 64;

export function scratchCopy(live: Environment, workDir: string, databases: DatabaseTargetRepository): ScratchCopy {
  if (live.DB_TYPE === DbType.Sqlite) {
    const path = join(workDir, 'copy.sqlite');
    return {
      target: path,
      env: { DB_TYPE: DbType.Sqlite, DB_PATH: path },
      description: `SQLite file ${path}`,
      drop: async () => {
        for (const suffix of ['', '-wal', '-shm']) await rm(path + suffix, { force: true });
      },
    };
  }
  const suffix = `_drill_${randomBytes(4).toString('hex')}`;
  const name = databases.liveName().slice(0, MAX_NAME - suffix.length) + suffix;
  const url = live.DB_URL ? new URL(live.DB_URL) : undefined;
  if (url) url.pathname = `/${name}`;
  return {
    target: name,
    env: { DB_TYPE: DbType.Mysql, DB_NAME: name, ...(url ? { DB_URL: url.toString() } : {}) },
    description: `MariaDB database ${name}`,
    drop: () => databases.drop(name),
  };
}

/** The validated environment as variables again, so a second application starts with exactly these settings. */
export function environmentInput(env: Environment): EnvironmentInput {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, String(value)]),
  );
}
