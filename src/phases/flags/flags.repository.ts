import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, LessThan } from 'typeorm';
import { dialectOf, execute, insertIgnore, toDbTime } from '../../database/dialect.js';
import {
  registerManifest,
  writeFlags,
  type ManifestEntry,
  type SwitchChange,
} from '../rollback/emergency-statements.js';
import { FeatureFlagAudit } from './feature-flag-audit.entity.js';
import { FeatureFlag } from './feature-flag.entity.js';

/** The audit actor of a flag changed straight in the database, where no actor is known. */
export const DIRECT_CHANGE_ACTOR = 'database';

/** What one poll saw: the version and every flag's stored value, read in one statement. */
export interface FlagPoll {
  version: number;
  enabled: ReadonlyMap<string, boolean>;
}

export interface AuditPage {
  key?: string;
  /** Only entries older than this id. */
  before?: number;
  limit: number;
}

/**
 * feature_flag, its audit and the version row the replicas poll, plus the manifest the lean
 * emergency path reads. The writes are the emergency statements themselves, so the app and the
 * lean path switch flags with the same SQL.
 */
@Injectable()
export class FlagsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The number every flag change bumps; 0 before the first. */
  async version(): Promise<number> {
    const rows = await this.dataSource.query<Array<{ version: unknown }>>(
      `SELECT version FROM feature_flag_state WHERE id = 1`,
    );
    return Number(rows[0]?.version ?? 0);
  }

  /**
   * The version row and every flag's stored value in one statement, so the two are never seen
   * from different moments: a flag that moved while the version stood still was changed by hand.
   * The flag table holds a handful of rows, so this stays one cheap read per interval.
   */
  async poll(): Promise<FlagPoll> {
    const rows: Array<{ version: unknown; flag_key: string | null; enabled: unknown }> = await this.dataSource.query(
      `SELECT version, NULL AS flag_key, NULL AS enabled FROM feature_flag_state WHERE id = 1
       UNION ALL SELECT NULL, \`key\`, enabled FROM feature_flag`,
    );
    const enabled = new Map<string, boolean>();
    let version = 0;
    for (const row of rows) {
      if (row.flag_key === null) version = Number(row.version ?? 0);
      else enabled.set(row.flag_key, Number(row.enabled) === 1);
    }
    return { version, enabled };
  }

  /**
   * Audits, as actor `database`, every flag whose stored value differs from `loaded` (what the
   * replica loaded at `version`), in the caller's transaction. The claim is the conditional
   * version bump: only one transaction moves the version away from `version` (a second one
   * waits for the row lock and then matches nothing; on Galera it loses certification and its
   * rerun matches nothing), so replicas that see the same change at the same tick audit it once.
   * Returns the keys audited; none when the version had already moved.
   */
  async auditDirectChanges(
    manager: EntityManager,
    version: number,
    loaded: ReadonlyMap<string, boolean>,
    reason: string,
    now: Date,
  ): Promise<string[]> {
    const claimed = await execute(
      manager,
      `UPDATE feature_flag_state SET version = version + 1 WHERE id = 1 AND version = ?`,
      [version],
    );
    if (claimed !== 1) return [];
    const rows: Array<{ key: string; enabled: unknown }> = await manager.query(
      `SELECT \`key\`, enabled FROM feature_flag`,
    );
    const changed = rows
      .map((r) => ({ key: r.key, before: loaded.get(r.key), after: Number(r.enabled) === 1 }))
      .filter((c) => (c.before ?? false) !== c.after);
    if (changed.length === 0) return [];
    await manager.query(
      `INSERT INTO feature_flag_audit (\`key\`, old_value, new_value, actor, reason, request_id, changed_at) VALUES ${changed.map(() => '(?, ?, ?, ?, ?, NULL, ?)').join(', ')}`,
      changed.flatMap((c) => [
        c.key,
        c.before === undefined ? null : c.before ? 1 : 0,
        c.after ? 1 : 0,
        DIRECT_CHANGE_ACTOR,
        reason,
        toDbTime(now),
      ]),
    );
    return changed.map((c) => c.key);
  }

  all(): Promise<FeatureFlag[]> {
    return this.dataSource.getRepository(FeatureFlag).find();
  }

  /** Gives each flag a row (off) unless it has one. */
  async addMissing(flags: ReadonlyArray<{ key: string; description: string }>, now: Date): Promise<void> {
    for (const flag of flags) {
      await this.dataSource.query(
        `${insertIgnore(dialectOf(this.dataSource))} feature_flag (\`key\`, enabled, description, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)`,
        [flag.key, 0, flag.description, toDbTime(now), 'system'],
      );
    }
  }

  /** Sets `keys` in the caller's transaction, auditing each flag that changed and bumping the version. */
  async write(manager: EntityManager, keys: readonly string[], enabled: boolean, change: SwitchChange): Promise<void> {
    await writeFlags(manager, keys, enabled, change);
  }

  /** Newest first. */
  audit(page: AuditPage): Promise<FeatureFlagAudit[]> {
    const where: FindOptionsWhere<FeatureFlagAudit> = {};
    if (page.key) where.key = page.key;
    if (page.before) where.id = LessThan(page.before);
    return this.dataSource.getRepository(FeatureFlagAudit).find({ where, order: { id: 'DESC' }, take: page.limit });
  }

  registerManifest(entries: readonly ManifestEntry[]): Promise<void> {
    return registerManifest(this.dataSource, dialectOf(this.dataSource), entries);
  }
}
