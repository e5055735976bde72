import { DatabaseEnvironmentError, readDatabaseEnvironment } from './database-environment.js';
import { EnvironmentError, validateEnvironment } from './environment.js';

const KEYS = [
  'DB_TYPE',
  'DB_PATH',
  'DB_URL',
  'DB_HOST',
  'DB_PORT',
  'DB_USER',
  'DB_PASSWORD',
  'DB_NAME',
  'ROLLBACK_WEBHOOK_URL',
  'ROLLBACK_WEBHOOK_TIMEOUT_MS',
  'ROLLBACK_WEBHOOK_SECRET',
  'ROLLBACK_CONTACT',
] as const;

/** What the full Environment makes of the same variables, or the names it refuses. */
function full(raw: Record<string, string>) {
  try {
    const env = validateEnvironment(raw);
    return Object.fromEntries(KEYS.map((k) => [k, env[k]]));
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    return { refused: [...error.message.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]).sort() };
  }
}

function lean(raw: Record<string, string>) {
  try {
    const env = readDatabaseEnvironment(raw);
    return Object.fromEntries(KEYS.map((k) => [k, env[k]]));
  } catch (error) {
    if (!(error instanceof DatabaseEnvironmentError)) throw error;
    return { refused: [...error.message.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]).sort() };
  }
}

describe('the lean emergency path reads the database variables as Environment does', () => {
  it.each<Record<string, string>>([
    {},
    { DB_TYPE: 'sqlite', DB_PATH: '/tmp/x.sqlite' },
    { DB_TYPE: 'mysql', DB_URL: 'mysql://u:p%40ss@db.internal:3307/prod' },
    { DB_TYPE: 'mysql', DB_URL: 'mariadb://u@10.0.0.5/prod' },
    { DB_TYPE: 'mysql', DB_HOST: 'db', DB_PORT: '3310', DB_USER: 'a', DB_PASSWORD: 'b', DB_NAME: 'c' },
    { ROLLBACK_WEBHOOK_URL: 'https://hooks.example.com/x', ROLLBACK_WEBHOOK_TIMEOUT_MS: '500' },
    { DB_TYPE: '' },
    { DB_TYPE: 'postgres' },
    { DB_PORT: '0' },
    { DB_PORT: '70000' },
    { DB_PORT: 'abc' },
    { DB_URL: 'postgres://h/db' },
    { DB_URL: 'not a url' },
    { ROLLBACK_WEBHOOK_URL: 'ftp://h/x' },
    { ROLLBACK_WEBHOOK_TIMEOUT_MS: '50' },
    { ROLLBACK_WEBHOOK_TIMEOUT_MS: '60001' },
    { ROLLBACK_WEBHOOK_SECRET: 'a-secret-of-enough-length', ROLLBACK_CONTACT: 'ops on-call, +49 30 1234' },
    { ROLLBACK_WEBHOOK_SECRET: 'short' },
    { DB_TYPE: 'oracle', DB_PORT: '-1' },
  ])('%j', (raw) => {
    expect(lean(raw)).toEqual(full(raw));
  });
});
