import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, LessThan } from 'typeorm';
import { dialectOf, insertIgnore, toDbTime } from '../../database/dialect.js';
import {
  registerManifest,
  writeFlags,
  type ManifestEntry,
  type SwitchChange,
} from '../rollback/emergency-statements.js';
import { FeatureFlagAudit } from './feature-flag-audit.entity.js';
import { FeatureFlag } from './feature-flag.entity.js';

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
    const [row] = await this.dataSource.query(`SELECT version FROM feature_flag_state WHERE id = 1`);
    return Number(row?.version ?? 0);
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
