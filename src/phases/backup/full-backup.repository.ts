import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isMissingTable, ONE_ROW } from '../../database/dialect.js';
import { FullBackupRecord } from './full-backup.entity.js';

export type NewFullBackupRecord = Omit<FullBackupRecord, 'id'>;

/** full_backup: one row per verified full-database backup. */
@Injectable()
export class FullBackupRepository {
  constructor(@InjectRepository(FullBackupRecord) private readonly records: Repository<FullBackupRecord>) {}

  async record(fields: NewFullBackupRecord): Promise<FullBackupRecord> {
    return this.records.save(this.records.create(fields), ONE_ROW);
  }

  /** The newest record; null when there is none, or no table for it (its core migration reverted). */
  async latest(): Promise<FullBackupRecord | null> {
    try {
      return await this.records.findOne({ where: {}, order: { createdAt: 'DESC', id: 'DESC' } });
    } catch (error) {
      if (isMissingTable(error)) return null;
      throw error;
    }
  }

  byLocation(location: string): Promise<FullBackupRecord | null> {
    return this.records.findOne({ where: { location }, order: { id: 'DESC' } });
  }

  async markVerified(id: number, verifiedAt: Date): Promise<void> {
    await this.records.update({ id }, { verifiedAt });
  }
}
