import { toDbTime, upsertStatement, type Dialect } from '../../database/dialect.js';

/**
 * The one source of the statements that switch phases off: flags with their audit rows and
 * the version bump the replicas poll, stored job stops, the check for jobs still finishing a
 * batch, and the manifest of what the registry declares. FlagsService, JobsService and the
 * full RollbackService run them inside TypeORM transactions; the lean emergency path
 * (lean-emergency.ts) runs them on a bare driver connection from the shell, without booting
 * the application. Nothing here may import more than the driver-free helpers it needs: the
 * lean path's start-up time is the point.
 */
export interface SqlExecutor {
  /** Rows for a SELECT; anything for other statements. TypeORM's EntityManager fits. */
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface SwitchChange {
  actor: string;
  reason: string;
  requestId?: string | null;
}

/** What an emergency switches off: every flag and job, and the phases they belong to (highest first). */
export interface EmergencyTargets {
  flags: string[];
  jobs: string[];
  phases: number[];
}

export interface ManifestEntry {
  kind: 'flag' | 'job';
  name: string;
  phase: number;
}

const marks = (n: number) => Array(n).fill('?').join(', ');

/** Sets `keys` to `enabled`, auditing each flag that changed; returns those keys. */
export async function writeFlags(
  db: SqlExecutor,
  keys: readonly string[],
  enabled: boolean,
  change: SwitchChange,
  now = new Date(),
): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = (await db.query(`SELECT \`key\`, enabled FROM feature_flag WHERE \`key\` IN (${marks(keys.length)})`, [
    ...keys,
  ])) as Array<{ key: string; enabled: unknown }>;
  const current = new Map(rows.map((r) => [r.key, Boolean(Number(r.enabled))]));
  const changed = keys.filter((k) => current.get(k) !== enabled);
  if (changed.length === 0) return [];
  const at = toDbTime(now);
  await db.query(
    `UPDATE feature_flag SET enabled = ?, updated_at = ?, updated_by = ? WHERE \`key\` IN (${marks(changed.length)})`,
    [enabled ? 1 : 0, at, change.actor, ...changed],
  );
  const audit = changed.map((key) => {
    const old = current.get(key);
    return [
      key,
      old === undefined ? null : old ? 1 : 0,
      enabled ? 1 : 0,
      change.actor,
      change.reason.trim(),
      change.requestId ?? null,
      at,
    ];
  });
  await db.query(
    `INSERT INTO feature_flag_audit (\`key\`, old_value, new_value, actor, reason, request_id, changed_at) VALUES ${audit.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    audit.flat(),
  );
  // the one row every replica polls: a change here is seen everywhere within FLAG_REFRESH_MS
  await db.query(`UPDATE feature_flag_state SET version = version + 1 WHERE id = 1`);
  return changed;
}

/** Stores a stop for each job; every replica's next tick obeys it. */
export async function storeJobStops(
  db: SqlExecutor,
  names: readonly string[],
  change: SwitchChange,
  now = new Date(),
): Promise<void> {
  if (names.length === 0) return;
  const at = toDbTime(now);
  await db.query(`DELETE FROM job_control WHERE name IN (${marks(names.length)})`, [...names]);
  await db.query(
    `INSERT INTO job_control (name, stopped, changed_at, changed_by, reason) VALUES ${names.map(() => '(?, 1, ?, ?, ?)').join(', ')}`,
    names.flatMap((name) => [name, at, change.actor, change.reason]),
  );
}

/** The emergency's one transaction body: every flag off (audited) and every job stopped. */
export async function switchEverythingOff(
  db: SqlExecutor,
  targets: EmergencyTargets,
  change: SwitchChange,
  now = new Date(),
): Promise<void> {
  await writeFlags(db, targets.flags, false, change, now);
  await storeJobStops(db, targets.jobs, change, now);
}

/** Jobs whose lease a live holder keeps: a run that is finishing its current batch. */
export async function jobsStillRunning(db: SqlExecutor, names: readonly string[], now = new Date()): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = (await db.query(
    `SELECT name FROM job_lease WHERE name IN (${marks(names.length)}) AND owner IS NOT NULL AND expires_at >= ?`,
    [...names, toDbTime(now)],
  )) as Array<{ name: string }>;
  const running = new Set(rows.map((r) => r.name));
  return names.filter((n) => running.has(n));
}

/** The emergency's step details, the same words whichever path ran it. */
export const emergencyDetails = {
  switched: (t: Pick<EmergencyTargets, 'flags' | 'jobs'>) =>
    `${t.flags.length} flags off and ${t.jobs.length} jobs stopped in one transaction`,
  stopped: (busy: readonly string[]): { detail: string; issue?: string } =>
    busy.length === 0
      ? { detail: 'stopped with the flags; none was running' }
      : {
          detail: `stopped with the flags; finishing their current batch: ${busy.join(', ')}`,
          issue: `jobs still finishing a batch at stop: ${busy.join(', ')}`,
        },
};

/**
 * Records what this replica's registry declares; rows of phases another build declares are
 * kept. Writes only what is missing or different, so replicas starting together (on Galera,
 * say) do not all rewrite the same rows.
 */
export async function registerManifest(
  db: SqlExecutor,
  dialect: Dialect,
  entries: readonly ManifestEntry[],
): Promise<void> {
  const stored = (await db.query(`SELECT kind, name, phase FROM phase_manifest`)) as Array<{
    kind: string;
    name: string;
    phase: unknown;
  }>;
  const known = new Map(stored.map((r) => [`${r.kind}:${r.name}`, Number(r.phase)]));
  const changed = entries.filter((e) => known.get(`${e.kind}:${e.name}`) !== e.phase);
  if (changed.length === 0) return;
  await db.query(
    upsertStatement(dialect, 'phase_manifest', ['kind', 'name', 'phase'], ['kind', 'name'], ['phase'], changed.length),
    changed.flatMap((e) => [e.kind, e.name, e.phase]),
  );
}

/** Every flag and job the replicas declared, read from the database; null when none has registered yet. */
export async function readManifest(db: SqlExecutor): Promise<EmergencyTargets | null> {
  const rows = (await db.query(
    `SELECT kind, name, phase FROM phase_manifest ORDER BY phase DESC, kind, name`,
  )) as Array<{ kind: string; name: string; phase: unknown }>;
  if (rows.length === 0) return null;
  return {
    flags: rows.filter((r) => r.kind === 'flag').map((r) => r.name),
    jobs: rows.filter((r) => r.kind === 'job').map((r) => r.name),
    phases: [...new Set(rows.map((r) => Number(r.phase)))],
  };
}

/** A rollback_log row as the lean path writes it: the columns TypeORM maps RollbackLogEntry to. */
export interface LogRow {
  kind: string;
  phases: number[];
  reason: string;
  actor: string;
  method: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  issues: string[];
  steps: unknown[];
}

/** Opens the log row of a rollback (schema kept, no backup) and returns its id, read back on the same connection. */
export async function insertRollbackLog(db: SqlExecutor, dialect: Dialect, row: LogRow): Promise<number> {
  await db.query(
    `INSERT INTO rollback_log (kind, phases, revert_schema, backup, reason, actor, method, request_id, status, started_at, finished_at, duration_ms, data_loss, issues, resolution, steps, backup_location)
     VALUES (?, ?, 0, 0, ?, ?, ?, NULL, ?, ?, ?, ?, 0, ?, NULL, ?, NULL)`,
    [
      row.kind,
      `,${row.phases.join(',')},`,
      row.reason,
      row.actor,
      row.method,
      row.status,
      toDbTime(row.startedAt),
      row.finishedAt && toDbTime(row.finishedAt),
      row.durationMs,
      JSON.stringify(row.issues),
      JSON.stringify(row.steps),
    ],
  );
  const [{ id }] = (await db.query(
    dialect === 'mysql' ? 'SELECT LAST_INSERT_ID() AS id' : 'SELECT last_insert_rowid() AS id',
  )) as [{ id: number | string }];
  return Number(id);
}

/** Closes a log row: its status, timing, issues and steps. */
export async function finishRollbackLog(
  db: SqlExecutor,
  id: number,
  row: Pick<LogRow, 'status' | 'finishedAt' | 'durationMs' | 'issues' | 'steps'>,
): Promise<void> {
  await db.query(
    `UPDATE rollback_log SET status = ?, finished_at = ?, duration_ms = ?, issues = ?, steps = ? WHERE id = ?`,
    [
      row.status,
      row.finishedAt && toDbTime(row.finishedAt),
      row.durationMs,
      JSON.stringify(row.issues),
      JSON.stringify(row.steps),
      id,
    ],
  );
}
