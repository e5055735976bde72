import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions, MigrationInterface } from 'typeorm';
import { PROJECT_ROOT } from '../config/project-root.js';
import { DbType, Environment } from '../config/environment.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/**
 * One description of the database for the app, the CLI and the TypeORM CLI. Entities are
 * found by file name so the standalone data source sees exactly what Nest registers. The
 * migrations come from the composition root (appMigrations): this layer knows no phase.
 */
export function dataSourceOptions(
  env: Environment,
  migrations: ReadonlyArray<new () => MigrationInterface> = [],
): DataSourceOptions {
  const common = {
    entities: [`${PROJECT_ROOT}/dist/src/**/*.entity.js`],
    migrations: [...migrations],
    migrationsTableName: 'migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    // failures surface as exceptions and are logged by the app; TypeORM's own console logger
    // would write plain lines to stdout, breaking JSON logs and the CLI's --json output
    logging: false,
  };
  if (env.DB_TYPE === DbType.Sqlite) {
    const database = env.DB_PATH === ':memory:' ? ':memory:' : resolve(env.DB_PATH);
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database,
      // WAL lets readers run beside the single writer; the busy timeout makes a second
      // process wait for the write lock instead of failing at once.
      enableWAL: true,
      timeout: 10_000,
      // deleted and overwritten rows are zeroed, not left in free pages: People PII that a
      // tightened masking policy rewrites must not stay readable in the file
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('secure_delete = ON');
      },
    };
  }
  const url = env.DB_URL ? new URL(env.DB_URL) : undefined;
  return {
    ...common,
    type: 'mysql',
    host: url ? url.hostname : env.DB_HOST,
    port: url ? Number(url.port || 3306) : env.DB_PORT,
    username: url ? decodeURIComponent(url.username) : env.DB_USER,
    password: url ? decodeURIComponent(url.password) : env.DB_PASSWORD,
    database: url ? url.pathname.replace(/^\//, '') : env.DB_NAME,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    dateStrings: false,
    poolSize: env.DB_POOL_SIZE,
  };
}
