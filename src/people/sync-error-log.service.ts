import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, type FindOptionsWhere } from 'typeorm';
import { PeopleSyncError } from './entities/people-sync-error.entity.js';
import type { Rejection } from './people-records.js';

const INSERT_CHUNK = 500;

/** The audit trail of what a sync refused or failed on: ids, messages and payload hashes only. */
@Injectable()
export class SyncErrorLog {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(
    jobName: string,
    rejections: Array<Omit<Rejection, 'payloadHash'> & { payloadHash: string | null }>,
  ): Promise<void> {
    const occurredAt = new Date();
    const rows = rejections.map((r) => ({
      jobName,
      recordId: r.recordId,
      error: r.error.slice(0, 500),
      payloadHash: r.payloadHash,
      occurredAt,
    }));
    for (let k = 0; k < rows.length; k += INSERT_CHUNK)
      await this.dataSource.getRepository(PeopleSyncError).insert(rows.slice(k, k + INSERT_CHUNK));
  }

  /** Newest first, `limit` at a time, before the id `beforeId` when paging on. */
  list(filter: { jobName?: string; beforeId?: number }, limit: number): Promise<PeopleSyncError[]> {
    const where: FindOptionsWhere<PeopleSyncError> = {};
    if (filter.jobName) where.jobName = filter.jobName;
    if (filter.beforeId !== undefined) where.id = LessThan(filter.beforeId);
    return this.dataSource.getRepository(PeopleSyncError).find({ where, order: { id: 'DESC' }, take: limit });
  }
}
