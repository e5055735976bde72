/**
 * The variables the lean emergency rollback needs (where the database is, where the rollback
 * webhook is), read and checked without class-validator, whose import alone costs more than
 * the rest of that path on a busy host. The defaults here are the Environment class's own
 * (environment.ts reads them from DATABASE_DEFAULTS), and database-environment.spec.ts holds
 * the checks to Environment's on the same inputs, so the two cannot drift apart.
 */
export const DATABASE_DEFAULTS = {
  DB_TYPE: 'sqlite',
  DB_PATH: '.data/phasegate.sqlite',
  DB_HOST: '127.0.0.1',
  DB_PORT: 3306,
  DB_USER: 'phasegate',
  DB_PASSWORD: '',
  DB_NAME: 'phasegate',
  ROLLBACK_WEBHOOK_TIMEOUT_MS: 2000,
  ROLLBACK_CONTACT: 'the operations team (set ROLLBACK_CONTACT)',
} as const;

export interface DatabaseEnvironment {
  DB_TYPE: 'sqlite' | 'mysql';
  DB_PATH: string;
  DB_URL?: string;
  DB_HOST: string;
  DB_PORT: number;
  DB_USER: string;
  DB_PASSWORD: string;
  DB_NAME: string;
  ROLLBACK_WEBHOOK_URL?: string;
  ROLLBACK_WEBHOOK_TIMEOUT_MS: number;
  ROLLBACK_WEBHOOK_SECRET?: string;
  ROLLBACK_CONTACT: string;
}

export class DatabaseEnvironmentError extends Error {}

/** The lean path's share of the environment; `raw` defaults to the process environment. */
export function readDatabaseEnvironment(raw: Record<string, string | undefined> = process.env): DatabaseEnvironment {
  const errors: string[] = [];
  const value = (key: string) => (raw[key] === undefined || raw[key] === '' ? undefined : raw[key]);
  const int = (key: 'DB_PORT' | 'ROLLBACK_WEBHOOK_TIMEOUT_MS', min: number, max: number) => {
    const text = value(key);
    if (text === undefined) return DATABASE_DEFAULTS[key];
    const n = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || n < min || n > max)
      errors.push(`${key}: must be an integer from ${min} to ${max}`);
    return n;
  };
  const url = (key: 'DB_URL' | 'ROLLBACK_WEBHOOK_URL', protocols: string[]) => {
    const text = value(key);
    if (text === undefined) return undefined;
    let parsed: URL | null = null;
    try {
      parsed = new URL(text);
    } catch {
      // reported below
    }
    if (!parsed || !protocols.includes(parsed.protocol.replace(/:$/, '')) || !parsed.hostname)
      errors.push(`${key}: must be a URL (${protocols.join(', ')})`);
    return text;
  };
  const type = value('DB_TYPE') ?? DATABASE_DEFAULTS.DB_TYPE;
  if (type !== 'sqlite' && type !== 'mysql') errors.push('DB_TYPE: must be one of sqlite, mysql');
  const env: DatabaseEnvironment = {
    DB_TYPE: type as DatabaseEnvironment['DB_TYPE'],
    DB_PATH: value('DB_PATH') ?? DATABASE_DEFAULTS.DB_PATH,
    DB_URL: url('DB_URL', ['mysql', 'mariadb']),
    DB_HOST: value('DB_HOST') ?? DATABASE_DEFAULTS.DB_HOST,
    DB_PORT: int('DB_PORT', 1, 65535),
    DB_USER: value('DB_USER') ?? DATABASE_DEFAULTS.DB_USER,
    DB_PASSWORD: value('DB_PASSWORD') ?? DATABASE_DEFAULTS.DB_PASSWORD,
    DB_NAME: value('DB_NAME') ?? DATABASE_DEFAULTS.DB_NAME,
    ROLLBACK_WEBHOOK_URL: url('ROLLBACK_WEBHOOK_URL', ['http', 'https']),
    ROLLBACK_WEBHOOK_TIMEOUT_MS: int('ROLLBACK_WEBHOOK_TIMEOUT_MS', 100, 60_000),
    ROLLBACK_WEBHOOK_SECRET: value('ROLLBACK_WEBHOOK_SECRET'),
    ROLLBACK_CONTACT: value('ROLLBACK_CONTACT') ?? DATABASE_DEFAULTS.ROLLBACK_CONTACT,
  };
  if (env.ROLLBACK_WEBHOOK_SECRET !== undefined && env.ROLLBACK_WEBHOOK_SECRET.length < 16)
    errors.push('ROLLBACK_WEBHOOK_SECRET: must be at least 16 characters');
  if (errors.length)
    throw new DatabaseEnvironmentError(`Invalid environment:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  return env;
}
