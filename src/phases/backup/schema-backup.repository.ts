import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ONE_ROW } from '../../database/dialect.js';
import { SchemaBackup } from './schema-backup.entity.js';

export type VerifiedBackup = Omit<SchemaBackup, 'id' | 'status' | 'verifiedAt'>;

/** schema_backup: the record of each verified backup, which the migration guard trusts. */
@Injectable()
export class SchemaBackupRepository {
  /** Records a backup just verified and returns its id; on `manager`'s connection, which the caller holds. */
  async recordVerified(manager: EntityManager, backup: VerifiedBackup, verifiedAt: Date): Promise<number> {
    const saved = await manager
      .getRepository(SchemaBackup)
      .save({ ...backup, status: 'verified', verifiedAt }, ONE_ROW);
    return saved.id;
  }
}
