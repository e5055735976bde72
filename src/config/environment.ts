import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { DATABASE_DEFAULTS } from './database-environment.js';

export enum DbType {
  Sqlite = 'sqlite',
  Mysql = 'mysql',
}

export enum AppMode {
  Normal = 'normal',
  ReadOnly = 'readonly',
}

// anything else stays a string and fails @IsBoolean: a typo must not silently mean false
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off'].includes(word)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const CRON = /^\S+(\s+\S+){4,5}$/;

/**
 * The whole runtime configuration. Every variable the process reads is declared here, so a
 * typo or a bad value stops the process at start and names the variable.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'production';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsEnum(DbType)
  DB_TYPE: DbType = DbType.Sqlite;

  @IsString()
  @MinLength(1)
  DB_PATH: string = DATABASE_DEFAULTS.DB_PATH;

  /** mysql://user:password@host:port/name; wins over the separate DB_* variables. */
  @IsOptional()
  @IsUrl({ protocols: ['mysql', 'mariadb'], require_tld: false, require_protocol: true })
  DB_URL?: string = undefined;

  @IsString()
  DB_HOST: string = DATABASE_DEFAULTS.DB_HOST;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  DB_PORT: number = DATABASE_DEFAULTS.DB_PORT;

  @IsString()
  DB_USER: string = DATABASE_DEFAULTS.DB_USER;

  @IsString()
  DB_PASSWORD: string = DATABASE_DEFAULTS.DB_PASSWORD;

  @IsString()
  @MinLength(1)
  DB_NAME: string = DATABASE_DEFAULTS.DB_NAME;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_SIZE = 10;

  /**
   * On a Galera node (`@@wsrep_on`), every pooled connection sets this `wsrep_sync_wait`: 1
   * makes each read wait until the node has applied what the cluster committed before it, so
   * a client sees its own writes whichever node served them. Ignored elsewhere.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(15)
  DB_WSREP_SYNC_WAIT = 1;

  /** Apply pending migrations (under the migration lock) when the HTTP server starts. */
  @Transform(toBoolean)
  @IsBoolean()
  MIGRATE_ON_START = true;

  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  @IsEnum(AppMode)
  APP_MODE: AppMode = AppMode.Normal;

  /** Flags forced off whatever the database says: `key,key` or `all` (the kill switch). */
  @IsString()
  FEATURE_FLAGS_FORCE_OFF = '';

  /** How often each replica polls the flag version; the bound on cross-replica propagation. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  FLAG_REFRESH_MS = 1000;

  /** Run scheduled phase jobs on this replica (stopping a job for all replicas is done in the database). */
  @Transform(toBoolean)
  @IsBoolean()
  JOBS_ENABLED = true;

  /** How long stopping a job waits for a run in flight before reporting it still running. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  JOB_STOP_WAIT_MS = 30_000;

  /** Lease time to live of a running job; renewed while it runs, taken over after a crash. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  JOB_LEASE_TTL_MS = 60_000;

  /**
   * How often each replica adds its gated calls' path telemetry and the phases' signals to the
   * shared per-minute buckets; 0 turns the recording off (no telemetry for rollout guards).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  TELEMETRY_FLUSH_MS = 5000;

  /** Largest accepted JSON request body: bytes, or a number with b, kb, mb or gb. */
  @Matches(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, { message: 'BODY_LIMIT must be a size such as 256kb or 1mb' })
  BODY_LIMIT = '256kb';

  /** Where phase backups are written (`<time>-phase<N>/`); must be writable before any schema revert. */
  @IsString()
  @MinLength(1)
  BACKUP_DIR = '.data/backups';

  /**
   * Days each growing table keeps, overriding its owner's default: `table=days|off,...`
   * (`retention status` lists the tables; an unknown one stops the start).
   */
  @Matches(/^$|^[a-z_][a-z0-9_]*=(\d{1,5}|off)(,[a-z_][a-z0-9_]*=(\d{1,5}|off))*$/, {
    message: 'RETENTION_DAYS must be table=days|off pairs separated by commas, such as token_event=3650,job_run=off',
  })
  RETENTION_DAYS = '';

  /** When the retention job archives and purges history (cron, seconds field allowed). */
  @Matches(/^\S+(\s+\S+){4,5}$/, { message: 'RETENTION_CRON must be a cron expression of 5 or 6 fields' })
  RETENTION_CRON = '0 17 3 * * *';

  /** When the rollout guard judges every live rollout plan (leased: once per tick across replicas). */
  @Matches(/^\S+(\s+\S+){4,5}$/, { message: 'ROLLOUT_GUARD_CRON must be a cron expression of 5 or 6 fields' })
  ROLLOUT_GUARD_CRON = '0 * * * * *';

  /** Rows deleted per short transaction by the retention job; it yields between batches. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  RETENTION_BATCH_ROWS = 500;

  /** Receives a JSON notice when a rollback starts and ends; never blocks the rollback. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  ROLLBACK_WEBHOOK_URL?: string = undefined;

  /** Bound on each webhook call, so a slow receiver cannot hold a rollback up. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  ROLLBACK_WEBHOOK_TIMEOUT_MS: number = DATABASE_DEFAULTS.ROLLBACK_WEBHOOK_TIMEOUT_MS;

  /** Signs every webhook notice (HMAC-SHA256 headers) so the receiver can tell it comes from Phasegate. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  ROLLBACK_WEBHOOK_SECRET?: string = undefined;

  /** Who to ask about a rollback: the contact line of every notice. */
  @IsString()
  @MinLength(1)
  ROLLBACK_CONTACT: string = DATABASE_DEFAULTS.ROLLBACK_CONTACT;

  /** A scan repeated at the same station within this window returns the first result and advances nothing. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SCAN_DEDUP_WINDOW_MS = 5000;

  /** When the dashboard's analytics tables are refreshed (cron, seconds field allowed); answers older than three intervals are stale. */
  @Matches(/^\S+(\s+\S+){4,5}$/, { message: 'DASHBOARD_REFRESH_CRON must be a cron expression of 5 or 6 fields' })
  DASHBOARD_REFRESH_CRON = '0 * * * * *';

  /**
   * When the dashboard checks its incremental refresh against a full rebuild (cron, seconds field allowed): the
   * first refresh after each time rebuilds the history views in full, compares, and keeps the full result.
   */
  @Matches(/^\S+(\s+\S+){4,5}$/, { message: 'DASHBOARD_SELF_CHECK_CRON must be a cron expression of 5 or 6 fields' })
  DASHBOARD_SELF_CHECK_CRON = '0 30 3 * * *';

  /** The window of the dashboard's bottleneck and team figures, ending at each refresh. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(720)
  DASHBOARD_WINDOW_HOURS = 24;

  /** IANA time zone of the factory clock that operator and team availability windows are written in. */
  @IsTimeZone()
  ASSIGNMENT_TIMEZONE = 'UTC';

  /**
   * How long a replica reuses what Phase 7 read: who is eligible at a node (plans, directory,
   * availability, leave) and operators' workload, into which it counts its own decisions at
   * once. 0 reads everything on every decision.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  ASSIGNMENT_CACHE_TTL_MS = 1000;

  /** The most tokens a job may have for `assignment compare`: each page decides the whole job again, in steps; beyond it, 413 WORK_LIMIT_EXCEEDED. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  ASSIGNMENT_COMPARE_MAX_TOKENS = 250_000;

  /** In OEM mode, a barcode with this prefix that no station rule takes is refused (422 NO_RULE) rather than read as a token serial. */
  @Matches(/^[!-~]{1,32}$/, { message: 'OEM_BARCODE_PREFIX must be 1 to 32 printable ASCII characters without spaces' })
  OEM_BARCODE_PREFIX = 'OEM-';

  /** How long a replica scans with its snapshot of the OEM scan rules; its own rule changes apply at once, others' within this bound (0: read them on every scan). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  OEM_RULES_REFRESH_MS = 1000;

  /** Base URL of the HR People API (Phase 9, read-only); `npm run people-sim` serves one on port 4010. */
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  PEOPLE_API_URL = 'http://127.0.0.1:4010';

  /** Bearer token sent to the People API. */
  @IsString()
  PEOPLE_API_TOKEN = '';

  /** Each People API request is abandoned (and retried) after this long. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300_000)
  PEOPLE_API_TIMEOUT_MS = 10_000;

  /** Retries after the first attempt on 5xx, 429, timeouts and network errors. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  PEOPLE_API_MAX_RETRIES = 4;

  /** First backoff; doubles per retry up to PEOPLE_API_BACKOFF_MAX_MS, with jitter. A 429's Retry-After wins, up to the same cap. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60_000)
  PEOPLE_API_BACKOFF_MS = 250;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600_000)
  PEOPLE_API_BACKOFF_MAX_MS = 15_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  PEOPLE_API_PAGE_SIZE = 500;

  /** Every cache row expires this long after it was last fetched or confirmed; expired caches fall back to local accounts. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(30 * 86_400_000)
  PEOPLE_CACHE_TTL_MS = 6 * 3_600_000;

  /** Operator syncs are incremental; one at least this long after the last full sync is full (and deactivates operators gone upstream). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30 * 86_400_000)
  PEOPLE_FULL_SYNC_INTERVAL_MS = 86_400_000;

  /** Days ahead (from yesterday) of availability the availability sync keeps. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(31)
  PEOPLE_AVAILABILITY_DAYS = 7;

  /** HMAC key of the `hash` masking strategy and of error-log payload hashes; set it, or low-entropy values can be guessed back. */
  @IsString()
  PEOPLE_HASH_KEY = '';

  @Matches(CRON, { message: 'PEOPLE_SYNC_OPERATORS_CRON must be a cron expression of 5 or 6 fields' })
  PEOPLE_SYNC_OPERATORS_CRON = '0 */5 * * * *';

  @Matches(CRON, { message: 'PEOPLE_SYNC_TEAMS_CRON must be a cron expression of 5 or 6 fields' })
  PEOPLE_SYNC_TEAMS_CRON = '30 */15 * * * *';

  @Matches(CRON, { message: 'PEOPLE_SYNC_AVAILABILITY_CRON must be a cron expression of 5 or 6 fields' })
  PEOPLE_SYNC_AVAILABILITY_CRON = '15 */10 * * * *';
}

export type EnvironmentInput = Record<string, string | undefined>;

export class EnvironmentError extends Error {}

/**
 * Validates raw variables into an Environment. Defaults that depend on NODE_ENV are applied
 * here: development logs pretty lines, everything else JSON lines.
 */
export function validateEnvironment(raw: EnvironmentInput): Environment {
  const known = new Set(Object.keys(new Environment()));
  const picked: Partial<Record<string, string>> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (known.has(key) && value !== undefined && value !== '') picked[key] = value;
  }
  if (picked.LOG_FORMAT === undefined && picked.NODE_ENV === 'development') picked.LOG_FORMAT = 'pretty';
  const env = plainToInstance(Environment, picked);
  const errors = validateSync(env, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new EnvironmentError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return env;
}

/** Where the process environment is read (and readDatabaseEnvironment(), for the lean emergency path); `overrides` win over it. */
export function readEnvironment(overrides: EnvironmentInput = {}): Environment {
  return validateEnvironment({ ...process.env, ...overrides });
}
