import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Every SQL difference between SQLite and MySQL/MariaDB lives here, so services and
 * migrations stay dialect-free.
 */
export type Dialect = 'sqlite' | 'mysql';

export function dialectOf(source: DataSource | EntityManager | QueryRunner): Dialect {
  const type = 'connection' in source ? source.connection.options.type : source.options.type;
  return type === 'mysql' || type === 'mariadb' ? 'mysql' : 'sqlite';
}

/**
 * Timestamps are stored as UTC 'YYYY-MM-DD HH:MM:SS.mmm' on both databases (TypeORM's own
 * format for SQLite; DATETIME(3) on MySQL with timezone 'Z'), so raw SQL passes this string.
 */
export function toDbTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Parses a timestamp read by raw SQL (SQLite returns text, mysql2 a Date). */
export function fromDbTime(value: string | Date | null): Date | null {
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
export async function execute(source: DataSource | EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const manager = 'manager' in source ? source.manager : source;
  const own = manager.queryRunner ? undefined : manager.connection.createQueryRunner();
  try {
    const result = await (manager.queryRunner ?? own!).query(sql, params, true);
    return result.affected ?? 0;
  } finally {
    await own?.release();
  }
}
