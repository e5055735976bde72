import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Every SQL difference between SQLite and MySQL/MariaDB lives here, so services and
 * migrations stay dialect-free.
 */
export type Dialect = 'sqlite' | 'mysql';

export function dialectOf(source: DataSource | EntityManager | QueryRunner): Dialect {
  const type = 'dataSource' in source ? source.dataSource.options.type : source.options.type;
  return type === 'mysql' || type === 'mariadb' ? 'mysql' : 'sqlite';
}

/**
 * The index a table reference must use, written after it: for hot queries whose plan must not
 * hang on statistics (a bulk load can leave MariaDB's stale enough to pick a far worse index).
 * SQLite refuses the query when the index cannot serve it, which a test then catches.
 */
export function forceIndex(dialect: Dialect, index: string): string {
  return dialect === 'mysql' ? `FORCE INDEX (${index})` : `INDEXED BY ${index}`;
}

/** The name forceIndex takes for a table's primary key (on SQLite, the index it creates for a composite one). */
export function primaryKeyIndex(dialect: Dialect, table: string): string {
  return dialect === 'mysql' ? 'PRIMARY' : `sqlite_autoindex_${table}_1`;
}

/**
 * Timestamps are stored as UTC 'YYYY-MM-DD HH:MM:SS.mmm' on both databases (TypeORM's own
 * format for SQLite; DATETIME(3) on MySQL with timezone 'Z'), so raw SQL passes this string.
 */
export function toDbTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Parses a timestamp read by raw SQL (SQLite returns text, mysql2 a Date); a missing column reads as null. */
export function fromDbTime(value: string | Date): Date;
export function fromDbTime(value: string | Date | null | undefined): Date | null;
export function fromDbTime(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(value.replace(' ', 'T') + (value.endsWith('Z') ? '' : 'Z'));
}

/** `INSERT ... ` that skips rows colliding with a unique key. */
export function insertIgnore(dialect: Dialect): string {
  return dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO';
}

/** Column type for a millisecond timestamp in a migration. */
export function datetimeColumn(dialect: Dialect): { type: string; precision?: number } {
  return dialect === 'mysql' ? { type: 'datetime', precision: 3 } : { type: 'datetime' };
}

/** Runs a raw UPDATE/DELETE and returns its affected-row count, whatever the driver. */
export async function execute(
  source: DataSource | EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  const manager = 'manager' in source ? source.manager : source;
  if (manager.queryRunner) return affectedBy(manager.queryRunner, sql, params);
  const own = manager.dataSource.createQueryRunner();
  try {
    return await affectedBy(own, sql, params);
  } finally {
    await own.release();
  }
}

async function affectedBy(runner: QueryRunner, sql: string, params: unknown[]): Promise<number> {
  return (await runner.query(sql, params, true)).affected ?? 0;
}

/**
 * One row to change: the row of `table` whose columns hold the `where` values (its key and
 * the version or status it was read at) takes the `set` values. Names come from the code.
 */
export interface GuardedRow {
  table: string;
  set: Readonly<Record<string, unknown>>;
  where: Readonly<Record<string, unknown>>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/**
 * Statement texts by the shape of their rows (tables, columns, null guards): the token's
 * move writes the same few shapes on every call, and on SQLite building the text again was a
 * noticeable part of a statement's cost.
 */
const guardedStatements = new Map<string, string>();

/**
 * Changes rows of several tables together, each only while it still matches its guard. True
 * when every row matched. On false the caller must fail its transaction: on SQLite the rows
 * before the miss are changed already.
 *
 * On MySQL this is one multi-table UPDATE, all or nothing: a statement's round trip to the
 * server is most of its cost there. SQLite has no multi-table UPDATE, and its statements cost
 * no round trip: a statement per row, in order, stopping at the first miss.
 */
export async function updateGuardedRows(manager: EntityManager, rows: readonly GuardedRow[]): Promise<boolean> {
  // every statement is written before the first runs, so a bad name changes nothing
  const statements =
    dialectOf(manager) === 'mysql' && rows.length > 1
      ? [guardedUpdate(rows, true)]
      : rows.map((row) => guardedUpdate([row], false));
  for (const { sql, params, rows: expected } of statements) {
    // the found-rows count (mysql2's default) counts a matched row even where it took no new value
    if ((await execute(manager, sql, params)) !== expected) return false;
  }
  return true;
}

/** One UPDATE of `rows`, each table aliased r0, r1, ... when there are several; its parameters, the SET values then the guards. */
function guardedUpdate(
  rows: readonly GuardedRow[],
  aliased: boolean,
): { sql: string; params: unknown[]; rows: number } {
  const params: unknown[] = [];
  let shape = aliased ? 'aliased' : 'plain';
  for (const row of rows) {
    shape += ` ${row.table}:`;
    for (const [column, value] of Object.entries(row.set)) {
      shape += ` ${column}`;
      params.push(value);
    }
  }
  for (const row of rows) {
    shape += ' |';
    for (const [column, value] of Object.entries(row.where)) {
      shape += value === null ? ` ${column}~` : ` ${column}`;
      if (value !== null) params.push(value);
    }
  }
  let sql = guardedStatements.get(shape);
  if (sql === undefined) guardedStatements.set(shape, (sql = guardedText(rows, aliased)));
  return { sql, params, rows: rows.length };
}

function guardedText(rows: readonly GuardedRow[], aliased: boolean): string {
  const column = (i: number, identifier: string) => (aliased ? `r${i}.` : '') + name(identifier);
  const set = rows.flatMap((row, i) => Object.keys(row.set).map((c) => `${column(i, c)} = ?`));
  const where = rows.flatMap((row, i) =>
    Object.entries(row.where).map(([c, value]) => (value === null ? `${column(i, c)} IS NULL` : `${column(i, c)} = ?`)),
  );
  const tables = rows.map((row, i) => name(row.table) + (aliased ? ` r${i}` : ''));
  return `UPDATE ${tables.join(', ')} SET ${set.join(', ')} WHERE ${where.join(' AND ')}`;
}

function name(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) throw new Error(`Not a plain SQL identifier: ${identifier}`);
  return identifier;
}

/**
 * Rows per multi-row INSERT of `columns` columns: SQLite binds at most 32766 parameters per
 * statement (since 3.32); MySQL's limit is the packet size, which 1000 short rows stay far below.
 */
export function insertChunkRows(dialect: Dialect, columns: number): number {
  return dialect === 'sqlite' ? Math.min(1000, Math.floor(32766 / columns)) : 1000;
}

/** A unique-key violation (duplicate entry) on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

interface DriverFields {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

/**
 * What the driver said, whether the error is TypeORM's wrapper (the driver's error in
 * `driverError`) or the driver's own, and whatever was thrown (not always an object).
 */
function driverFields(error: unknown): DriverFields {
  if (typeof error !== 'object' || error === null) return {};
  const outer = error as DriverFields & { driverError?: unknown };
  const inner: DriverFields =
    typeof outer.driverError === 'object' && outer.driverError !== null ? outer.driverError : {};
  return { code: inner.code ?? outer.code, errno: inner.errno ?? outer.errno, message: inner.message ?? outer.message };
}

const codeOf = (error: unknown): string | undefined => {
  const { code } = driverFields(error);
  return typeof code === 'string' ? code : undefined;
};

/** A statement that lost a lock conflict (deadlock, lock wait timeout, busy database): the client may retry. */
export function isLockConflict(error: unknown): boolean {
  return isRetryableConflict(error) || (codeOf(error)?.startsWith('SQLITE_BUSY') ?? false);
}

/**
 * A MySQL deadlock (1213, which is also how a Galera node reports a transaction that lost the
 * certification against another node's commit) or lock-wait timeout (1205): the transaction
 * can be run again from the start.
 */
export function isRetryableConflict(error: unknown): boolean {
  const code = codeOf(error);
  // SQLite's BUSY_SNAPSHOT is answered at once, not after the busy timeout: a transaction that
  // read before another connection committed cannot write, and only a rerun sees the new state
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** Errors of a database that is down, unreachable or not ready: the connection never got an answer. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // 1047: a Galera node that is not synced ("WSREP has not yet prepared node for application use")
  'ER_UNKNOWN_COM_ERROR',
  // 1927: the server shut down or killed the connection mid-statement
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
]);

/** The database (or this Galera node) cannot serve now; another node, or the same later, can. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && UNAVAILABLE.has(code)) return true;
  return driverFields(error).errno === 1047;
}

/**
 * A multi-row upsert: `rows` rows of `columns`, replacing `update` on a collision with the
 * table's primary or unique key `key` (SQLite's ON CONFLICT names it; MySQL uses any unique key).
 * `VALUES(col)` rather than MySQL 8's row alias, because MariaDB knows only the former.
 */
export function upsertStatement(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  key: readonly string[],
  update: readonly string[],
  rows: number,
): string {
  return upsert(dialect, table, columns, key, rows, (incoming) => update.map((c) => `${q(c)} = ${incoming(c)}`));
}

/**
 * A multi-row upsert that accumulates: on a collision with the key, each column of `add`
 * becomes the stored value plus the new row's and each of `greatest` the larger of the two, so
 * concurrent writers' rows add up exactly (counters flushed by several replicas).
 */
export function upsertAddingStatement(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  key: readonly string[],
  add: readonly string[],
  greatest: readonly string[],
  rows: number,
): string {
  const larger = dialect === 'mysql' ? 'GREATEST' : 'max';
  return upsert(dialect, table, columns, key, rows, (incoming) => [
    ...add.map((c) => `${q(c)} = ${q(c)} + ${incoming(c)}`),
    ...greatest.map((c) => `${q(c)} = ${larger}(${q(c)}, ${incoming(c)})`),
  ]);
}

const q = (name: string) => '`' + name + '`';

/** INSERT of `rows` rows, then on a key collision the assignments, given how to name the incoming row's column. */
function upsert(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  key: readonly string[],
  rows: number,
  assignments: (incoming: (column: string) => string) => string[],
): string {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const insert = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
  if (dialect === 'mysql')
    return `${insert} ON DUPLICATE KEY UPDATE ${assignments((c) => `VALUES(${q(c)})`).join(', ')}`;
  return `${insert} ON CONFLICT (${key.map(q).join(', ')}) DO UPDATE SET ${assignments((c) => `excluded.${q(c)}`).join(', ')}`;
}

/**
 * The clause after an INSERT ... SELECT (whose SELECT has a WHERE: SQLite needs one there) that,
 * on a row whose `key` exists, adds the new `added` figures to the row's and takes the new `replaced` ones.
 */
export function onDuplicateKey(
  dialect: Dialect,
  key: readonly string[],
  added: readonly string[],
  replaced: readonly string[],
): string {
  if (dialect === 'mysql')
    return `ON DUPLICATE KEY UPDATE ${[...added.map((c) => `${c} = ${c} + VALUES(${c})`), ...replaced.map((c) => `${c} = VALUES(${c})`)].join(', ')}`;
  return `ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${[...added.map((c) => `${c} = ${c} + excluded.${c}`), ...replaced.map((c) => `${c} = excluded.${c}`)].join(', ')}`;
}

/** A DELETE of at most `rows` rows of `table` that match `where` (SQLite has no DELETE ... LIMIT by default). */
export function deleteAtMost(dialect: Dialect, table: string, where: string, rows: number): string {
  const limit = Math.floor(rows);
  return dialect === 'mysql'
    ? `DELETE FROM ${table} WHERE ${where} LIMIT ${limit}`
    : `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${where} LIMIT ${limit})`;
}

/** A query that failed because its table does not exist (a phase schema reverted under a running app). */
export function isMissingTable(error: unknown): boolean {
  const code = codeOf(error);
  const { message } = driverFields(error);
  return (
    code === 'ER_NO_SUCH_TABLE' ||
    (code?.startsWith('SQLITE_ERROR') === true && typeof message === 'string' && message.includes('no such table'))
  );
}

/** The UTC hour a timestamp column falls in, as a timestamp ('YYYY-MM-DD HH:00:00.000'). */
export function hourBucket(dialect: Dialect, column: string): string {
  return dialect === 'mysql'
    ? `DATE_FORMAT(${column}, '%Y-%m-%d %H:00:00.000')`
    : `(substr(${column}, 1, 13) || ':00:00.000')`;
}

/** The UTC date of a timestamp column as 'YYYY-MM-DD' text. */
export function utcDay(dialect: Dialect, column: string): string {
  return dialect === 'mysql' ? `DATE_FORMAT(${column}, '%Y-%m-%d')` : `substr(${column}, 1, 10)`;
}

/** Whole milliseconds from one timestamp column to another, as an integer. */
export function msBetween(dialect: Dialect, from: string, to: string): string {
  // julianday is a double; rounding recovers the exact millisecond difference
  return dialect === 'mysql'
    ? `(TIMESTAMPDIFF(MICROSECOND, ${from}, ${to}) DIV 1000)`
    : `CAST(ROUND((julianday(${to}) - julianday(${from})) * 86400000) AS INTEGER)`;
}

/** Integer division of two integer expressions, truncating (MySQL's `/` is exact decimal division). */
export function intDiv(dialect: Dialect, dividend: string, divisor: string): string {
  return dialect === 'mysql' ? `((${dividend}) DIV (${divisor}))` : `((${dividend}) / (${divisor}))`;
}

/** An integer member of a JSON text column (`payload`, `$.fromNodeId`), NULL when absent. */
export function jsonInt(dialect: Dialect, column: string, path: string): string {
  return dialect === 'mysql'
    ? `CAST(JSON_UNQUOTE(JSON_EXTRACT(${column}, '${path}')) AS SIGNED)`
    : `json_extract(${column}, '${path}')`;
}

/**
 * For save() and remove() of a single row outside a transaction. TypeORM otherwise opens one of
 * its own around them, which on SQLite would begin beside inTransaction's queue, so the gate
 * refuses it. One row needs none: its statements wait their turn one by one. Several rows that
 * must land together go through inTransaction.
 */
export const ONE_ROW = { transaction: false } as const;

/** A timestamp column plus an integer expression of milliseconds, as a timestamp. */
export function addMs(dialect: Dialect, column: string, ms: string): string {
  return dialect === 'mysql'
    ? `DATE_ADD(${column}, INTERVAL (${ms}) * 1000 MICROSECOND)`
    : `strftime('%Y-%m-%d %H:%M:%f', julianday(${column}) + (${ms}) / 86400000.0)`;
}

/**
 * After personal data was rewritten or deleted on SQLite, copies the WAL into the database
 * file and truncates it, so the old values leave the WAL (secure_delete, set on every
 * connection, zeroes them in the file itself). Returns false when a reader kept the WAL from
 * being emptied; MySQL and in-memory SQLite have nothing to do.
 */
export async function truncateSqliteWal(dataSource: DataSource): Promise<boolean> {
  if (dialectOf(dataSource) !== 'sqlite' || dataSource.options.database === ':memory:') return true;
  const [row] = await dataSource.query<Array<{ busy: number } | undefined>>('PRAGMA wal_checkpoint(TRUNCATE)');
  return (row?.busy ?? 0) === 0;
}
