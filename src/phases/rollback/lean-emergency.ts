import { resolve } from 'node:path';
import type { DatabaseEnvironment } from '../../config/database-environment.js';
import { present } from '../../common/present.js';
import { isLockConflict, isMissingTable, type Dialect } from '../../database/dialect.js';
import {
  emergencyDetails,
  finishRollbackLog,
  insertRollbackLog,
  jobsStillRunning,
  readManifest,
  switchEverythingOff,
  type EmergencyTargets,
  type SqlExecutor,
} from './emergency-statements.js';
import type { RollbackLogEntry, RollbackStep } from './rollback-log.entity.js';
import { rollbackNotice, type RollbackEvent } from './rollback-notice.js';
import { record, stepsFor, type RollbackRecord } from './rollback-record.js';
import { NoticeSender, RETRY } from './rollback-webhook.js';

/**
 * The emergency rollback from the shell without booting the application: one driver
 * connection and the same statements the full RollbackService runs (emergency-statements.ts).
 * It knows every flag and job from `phase_manifest`, which every replica writes from its
 * phase registry at start; with no manifest yet it answers `fallback` and the CLI boots the
 * application instead. One transaction opens the log row, switches every flag off (audited)
 * and stores every job stop, and closes the log: a crash leaves either nothing or all of it.
 * What it cannot do without the application is run each phase's verifyLegacy(): those steps
 * are recorded as skipped, saying why.
 */
export interface LeanRequest {
  reason: string;
  actor: string;
}

export type LeanOutcome = { rollback: RollbackRecord } | { fallback: string };

interface Connection extends SqlExecutor {
  dialect: Dialect;
  begin: string;
  close(): Promise<void>;
}

const ATTEMPTS = 3;
export const VERIFY_SKIPPED =
  'not run by the lean emergency path, which boots no application: each replica takes the legacy path within FLAG_REFRESH_MS; see `phases status`';

export async function leanEmergency(env: DatabaseEnvironment, request: LeanRequest): Promise<LeanOutcome> {
  const db = await connect(env);
  let entry: RollbackLogEntry;
  try {
    const targets = await readManifest(db).catch((error: unknown) => {
      if (isMissingTable(error)) return null;
      throw error;
    });
    if (!targets) return { fallback: 'no replica has registered its phases in phase_manifest yet' };
    entry = await inOneTransaction(db, () => switchOff(db, targets, request));
  } finally {
    await db.close();
  }
  return { rollback: await notify(env, entry) };
}

async function switchOff(db: Connection, targets: EmergencyTargets, request: LeanRequest): Promise<RollbackLogEntry> {
  const startedAt = new Date();
  const steps = stepsFor(
    'emergency',
    targets.phases.map((number) => ({ number })),
    false,
    false,
  );
  const base = {
    kind: 'emergency' as const,
    phases: targets.phases,
    reason: request.reason,
    actor: request.actor,
    method: 'lean-emergency' as const,
    startedAt,
  };
  const id = await insertRollbackLog(db, db.dialect, {
    ...base,
    status: 'running',
    finishedAt: null,
    durationMs: null,
    issues: [],
    steps,
  });
  // the audit rows name the rollback, as the full path's do
  const change = { actor: request.actor, reason: `rollback #${id}: ${request.reason}`.slice(0, 500) };
  const issues: string[] = [];
  const run = async (step: RollbackStep, work: () => Promise<{ detail: string; issue?: string }>) => {
    const t0 = Date.now();
    const outcome = await work();
    Object.assign(step, {
      status: 'done',
      startedAt: new Date(t0).toISOString(),
      durationMs: Date.now() - t0,
      detail: outcome.detail,
    });
    if (outcome.issue) issues.push(outcome.issue);
  };
  const [flagsStep, jobsStep] = steps;
  await run(flagsStep, async () => {
    await switchEverythingOff(db, targets, change);
    return { detail: emergencyDetails.switched(targets) };
  });
  await run(jobsStep, async () => emergencyDetails.stopped(await jobsStillRunning(db, targets.jobs)));
  for (const step of steps.filter((s) => s.name === 'verify-legacy'))
    Object.assign(step, { status: 'skipped', detail: VERIFY_SKIPPED });
  const finishedAt = new Date();
  Object.assign(present(steps.at(-1), 'the log step'), {
    status: 'done',
    startedAt: finishedAt.toISOString(),
    durationMs: 0,
    detail: 'completed',
  });
  const closed = {
    status: 'completed' as const,
    finishedAt,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    issues,
    steps,
  };
  await finishRollbackLog(db, id, closed);
  return {
    id,
    ...base,
    ...closed,
    phases: `,${targets.phases.join(',')},`,
    revertSchema: false,
    backup: false,
    requestId: null,
    dataLoss: false,
    resolution: null,
    backupLocation: null,
    rootCause: null,
    outcome: null,
    reEnabledAt: null,
  };
}

/**
 * The notices after the commit (the full path sends them around its steps), through the same
 * sender as RollbackNotifier; an undelivered one becomes an issue on the row. Retries, and the
 * INVESTIGATING notice that follows a completed rollback, go out before the process exits (bounded).
 */
async function notify(env: DatabaseEnvironment, entry: RollbackLogEntry): Promise<RollbackRecord> {
  const target = {
    url: env.ROLLBACK_WEBHOOK_URL,
    timeoutMs: env.ROLLBACK_WEBHOOK_TIMEOUT_MS,
    secret: env.ROLLBACK_WEBHOOK_SECRET,
  };
  if (!target.url) return record(entry);
  const sender = new NoticeSender(target, (_, why) => process.stderr.write(`${why}\n`));
  // without the registry a notice names the phases by number only
  const context = { contact: env.ROLLBACK_CONTACT, phases: [] };
  const send = (event: RollbackEvent) => sender.send(event, rollbackNotice(event, entry, context));
  const undelivered = (await Promise.all([send('rollback.started'), send('rollback.finished')])).filter(
    (issue): issue is string => issue !== null,
  );
  void send('rollback.investigating');
  // the CLI prints its report now; the process stays only as long as one notice's attempts could take
  void sender.close(RETRY.attempts * target.timeoutMs);
  if (undelivered.length) {
    entry.issues = [...entry.issues, ...undelivered];
    const db = await connect(env);
    try {
      await finishRollbackLog(db, entry.id, entry);
    } finally {
      await db.close();
    }
  }
  return record(entry);
}

/** Commits `work` or rolls it back; a deadlock (Galera certification, say) is retried on a fresh transaction. */
async function inOneTransaction<T>(db: Connection, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await db.query(db.begin);
    try {
      const result = await work();
      await db.query('COMMIT');
      return result;
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      if (!isLockConflict(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** The driver alone, loaded only for the database in use. */
async function connect(env: DatabaseEnvironment): Promise<Connection> {
  if (env.DB_TYPE === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(resolve(env.DB_PATH), { timeout: 10_000, fileMustExist: true });
    sqlite.pragma('foreign_keys = ON');
    return {
      dialect: 'sqlite',
      // the write lock at BEGIN, so a replica's write in between cannot make the commit fail
      begin: 'BEGIN IMMEDIATE',
      query: async (sql, params = []) => {
        const statement = sqlite.prepare(sql);
        if (statement.reader) return statement.all(...params);
        statement.run(...params);
        return [];
      },
      close: async () => void sqlite.close(),
    };
  }
  const { createConnection } = await import('mysql2/promise');
  const url = env.DB_URL ? new URL(env.DB_URL) : undefined;
  const conn = await createConnection({
    host: url ? url.hostname : env.DB_HOST,
    port: url ? Number(url.port || 3306) : env.DB_PORT,
    user: url ? decodeURIComponent(url.username) : env.DB_USER,
    password: url ? decodeURIComponent(url.password) : env.DB_PASSWORD,
    database: url ? url.pathname.replace(/^\//, '') : env.DB_NAME,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
  });
  return {
    dialect: 'mysql',
    begin: 'START TRANSACTION',
    query: async (sql, params = []) => (await conn.query(sql, params))[0],
    close: () => conn.end(),
  };
}
