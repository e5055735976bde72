import { Logger } from '@nestjs/common';
import { DataSource, MigrationInterface, Table, type ObjectLiteral } from 'typeorm';
import { datetimeColumn, dialectOf, toDbTime } from './dialect.js';
import { queryRunnerTransaction } from './transaction.js';
import { createTableIfMissing, LeaseTable } from './lease.js';

const LOCK_NAME = 'migrations';
const LOCK_TTL_MS = 60_000;
/** The collation the data source's connections use too (data-source-options.ts). */
const UNICODE_COLLATION = 'utf8mb4_unicode_ci';

export interface MigrationStatus {
  name: string;
  phase: number | null;
  applied: boolean;
}

/**
 * What the caller of a revert hands in from above: this layer knows no phase, flag or backup.
 */
export interface RevertOptions {
  /** Runs under the migration lock, on the migration about to be reverted; throws to refuse. */
  check?: (migration: MigrationStatus) => Promise<void>;
  /** Given to the migration's down() as `queryRunner.data`: what the operator allowed this revert. */
  allow?: ObjectLiteral;
}

/** `Phase7Assignment1732...` belongs to phase 7; everything else is core schema. */
export function phaseOfMigration(name: string): number | null {
  const match = /^Phase(\d+)/.exec(name);
  return match ? Number(match[1]) : null;
}

/**
 * Applies and reverts migrations under a database lease, so replicas starting together run
 * each migration once (TypeORM's own runner has no such lock). It keeps TypeORM's
 * `migrations` table format and additionally remembers which phases were deliberately
 * reverted (`phase_schema`), so a routine `migrate` never brings a rolled-back phase back.
 */
export class Migrator {
  private readonly logger = new Logger(Migrator.name);
  private readonly lock: LeaseTable;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs = 5 * 60_000,
  ) {
    this.lock = new LeaseTable(dataSource, 'migration_lock');
  }

  /** Oldest first by the timestamp every migration class name ends with. */
  private get migrations(): MigrationInterface[] {
    return [...this.dataSource.migrations].sort((a, b) => timestampOf(nameOf(a)) - timestampOf(nameOf(b)));
  }

  async status(): Promise<MigrationStatus[]> {
    await this.ensureBookkeeping();
    const applied = await this.appliedNames();
    return this.migrations.map((m) => ({
      name: nameOf(m),
      phase: phaseOfMigration(nameOf(m)),
      applied: applied.has(nameOf(m)),
    }));
  }

  async revertedPhases(): Promise<Set<number>> {
    await this.ensureBookkeeping();
    const rows = await this.dataSource.query<Array<{ phase: number }>>(
      `SELECT phase FROM phase_schema WHERE status = 'reverted'`,
    );
    return new Set(rows.map((r) => r.phase));
  }

  /** Pending migrations that a routine run would apply: reverted phases are left out. */
  async pending(includePhases: number[] = []): Promise<MigrationInterface[]> {
    const [applied, reverted] = await Promise.all([this.appliedNames(), this.revertedPhases()]);
    for (const p of includePhases) reverted.delete(p);
    return this.migrations.filter((m) => {
      const phase = phaseOfMigration(nameOf(m));
      return !applied.has(nameOf(m)) && (phase === null || !reverted.has(phase));
    });
  }

  /**
   * Applies every pending migration, in order. `includePhases` brings back phases that were
   * reverted (the roll-forward path); `upToPhase` stops before migrations of later phases.
   */
  async run(options: { includePhases?: number[]; upToPhase?: number } = {}): Promise<string[]> {
    return this.withLock(async () => {
      const todo = (await this.pending(options.includePhases)).filter((m) => {
        const phase = phaseOfMigration(nameOf(m));
        return options.upToPhase === undefined || phase === null || phase <= options.upToPhase;
      });
      for (const migration of todo) await this.apply(migration);
      for (const phase of options.includePhases ?? []) await this.setPhaseState(phase, 'applied');
      return todo.map(nameOf);
    });
  }

  /** Reverts the most recently applied migration; a phase migration marks its phase reverted. */
  async revertLast(options: RevertOptions = {}): Promise<string | null> {
    return this.withLock(async () => {
      const applied = await this.appliedNames();
      const last = [...this.migrations].reverse().find((m) => applied.has(nameOf(m)));
      if (!last) return null;
      await options.check?.({ name: nameOf(last), phase: phaseOfMigration(nameOf(last)), applied: true });
      await this.revert(last, options.allow);
      return nameOf(last);
    });
  }

  /** Reverts the named migration, which must be the most recently applied one. */
  async revertMigration(name: string): Promise<void> {
    await this.withLock(async () => {
      const applied = await this.appliedNames();
      const last = [...this.migrations].reverse().find((m) => applied.has(nameOf(m)));
      if (!last || nameOf(last) !== name) {
        throw new Error(`Migration ${name} is not the most recently applied one (${last ? nameOf(last) : 'none'})`);
      }
      await this.revert(last);
    });
  }

  private async apply(migration: MigrationInterface): Promise<void> {
    const name = nameOf(migration);
    const started = Date.now();
    // MySQL commits DDL implicitly, so on MySQL the transaction only covers the data
    // statements; migrations check existence first and can simply be run again.
    await queryRunnerTransaction(this.dataSource, async (qr) => {
      await migration.up(qr);
      await qr.query(`INSERT INTO migrations (timestamp, name) VALUES (?, ?)`, [timestampOf(name), name]);
    });
    this.logger.log(`applied ${name} in ${Date.now() - started} ms`);
  }

  private async revert(migration: MigrationInterface, allow: ObjectLiteral = {}): Promise<void> {
    const name = nameOf(migration);
    const started = Date.now();
    await queryRunnerTransaction(this.dataSource, async (qr) => {
      // SQLite hands out one shared query runner: what was allowed must not outlive this revert
      const before = qr.data;
      qr.data = { ...before, ...allow };
      try {
        await migration.down(qr);
      } finally {
        qr.data = before;
      }
      await qr.query(`DELETE FROM migrations WHERE name = ?`, [name]);
    });
    const phase = phaseOfMigration(name);
    if (phase !== null) await this.setPhaseState(phase, 'reverted');
    this.logger.log(`reverted ${name} in ${Date.now() - started} ms`);
  }

  private async setPhaseState(phase: number, status: 'applied' | 'reverted'): Promise<void> {
    const now = toDbTime(new Date());
    const recorded = await this.dataSource.query<unknown[]>(`SELECT phase FROM phase_schema WHERE phase = ?`, [phase]);
    if (recorded.length > 0) {
      await this.dataSource.query(`UPDATE phase_schema SET status = ?, changed_at = ? WHERE phase = ?`, [
        status,
        now,
        phase,
      ]);
    } else {
      await this.dataSource.query(`INSERT INTO phase_schema (phase, status, changed_at) VALUES (?, ?, ?)`, [
        phase,
        status,
        now,
      ]);
    }
  }

  private async appliedNames(): Promise<Set<string>> {
    await this.ensureBookkeeping();
    const rows: Array<{ name: string }> = await this.dataSource.query(`SELECT name FROM migrations`);
    return new Set(rows.map((r) => r.name));
  }

  private bookkeepingReady = false;

  /** The runner's own tables, created before any migration (like TypeORM's `migrations`). */
  private async ensureBookkeeping(): Promise<void> {
    if (this.bookkeepingReady) return;
    if (dialectOf(this.dataSource) === 'mysql') await this.ensureUnicodeDefault();
    const dt = datetimeColumn(dialectOf(this.dataSource));
    const qr = this.dataSource.createQueryRunner();
    try {
      await createTableIfMissing(
        qr,
        new Table({
          name: 'migrations',
          columns: [
            { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
            { name: 'timestamp', type: 'bigint' },
            { name: 'name', type: 'varchar', length: '255' },
          ],
        }),
      );
      await createTableIfMissing(
        qr,
        new Table({
          name: 'phase_schema',
          columns: [
            { name: 'phase', type: 'integer', isPrimary: true },
            { name: 'status', type: 'varchar', length: '16' },
            { name: 'changed_at', ...dt },
          ],
        }),
      );
    } finally {
      await qr.release();
    }
    await this.lock.ensureTable();
    this.bookkeepingReady = true;
  }

  /**
   * Tables take the database's default character set, and a MariaDB server without
   * configuration defaults to latin1, where a name in Chinese or an emoji fails the INSERT.
   * So before any table exists, the database is switched to utf8mb4 (idempotent, so replicas
   * racing here agree); a user not allowed to is told what to do instead.
   */
  private async ensureUnicodeDefault(): Promise<void> {
    await this.warnAboutNarrowTables();
    const [row] = await this.dataSource.query<Array<{ name: string; charset: string } | undefined>>(
      `SELECT DATABASE() AS name, DEFAULT_CHARACTER_SET_NAME AS charset FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()`,
    );
    if (!row || row.charset === 'utf8mb4') return;
    try {
      await this.dataSource.query(`ALTER DATABASE \`${row.name}\` CHARACTER SET utf8mb4 COLLATE ${UNICODE_COLLATION}`);
    } catch (error) {
      throw new Error(
        `Database ${row.name} defaults to ${row.charset}, which cannot store every name, and this user cannot change it (${error instanceof Error ? error.message : String(error)}): ` +
          `run ALTER DATABASE \`${row.name}\` CHARACTER SET utf8mb4 COLLATE ${UNICODE_COLLATION}, or create it that way`,
        { cause: error },
      );
    }
    this.logger.warn(
      `database ${row.name} defaulted to ${row.charset}; switched to utf8mb4 so tables created from now on store any script`,
    );
  }

  /**
   * A new default does not convert tables created before it, and converting rewrites each
   * table under a lock: that is the operator's call in a maintenance window, so say which and how.
   */
  private async warnAboutNarrowTables(): Promise<void> {
    const narrow: Array<{ name: string; collation: string }> = await this.dataSource.query(
      `SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_COLLATION NOT LIKE 'utf8mb4%'`,
    );
    for (const table of narrow) {
      this.logger.warn(
        `table ${table.name} is ${table.collation} and cannot store every name; in a maintenance window run ALTER TABLE \`${table.name}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${UNICODE_COLLATION}`,
      );
    }
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    await this.ensureBookkeeping();
    const held = await this.lock.hold(LOCK_NAME, LOCK_TTL_MS, work, {
      waitMs: this.lockTimeoutMs,
      onWait: () => this.logger.log('another process holds the migration lock; waiting'),
    });
    if (!held.acquired)
      throw new Error(
        `Timed out after ${this.lockTimeoutMs} ms waiting for the migration lock (held by ${held.holder?.owner ?? 'nobody by now'})`,
      );
    return held.value;
  }
}

function nameOf(migration: MigrationInterface): string {
  return migration.name ?? migration.constructor.name;
}

function timestampOf(name: string): number {
  const match = /(\d{13})$/.exec(name);
  if (!match) throw new Error(`Migration class ${name} must end with a 13-digit timestamp`);
  return Number(match[1]);
}
