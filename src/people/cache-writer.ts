import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { inTransaction } from '../database/transaction.js';
import type { CacheTable } from './people-cache.repository.js';
import { PeopleCacheWriteRepository, type Stamp } from './people-cache-write.repository.js';
import type { AvailabilityRecord, OperatorRecord, TeamRecord } from './people-records.js';

export interface WriteResult {
  upserted: number;
  /** Operators or teams gone upstream and now inactive (full runs), or availability rows gone. */
  retired: number;
}

/**
 * Writes one run's worth of records into a cache, in a single transaction: readers see the
 * previous cache or the new one, never half of each, and a write that fails changes nothing.
 * Rows the run did not write are then settled: confirmed (upstream said they did not change),
 * retired (a full run: they are gone upstream), or deleted (availability outside the new answer).
 */
@Injectable()
export class CacheWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: PeopleCacheWriteRepository,
  ) {}

  /**
   * `fullSince`: start of this run when it is a full one (what it saw is stamped with it), else
   * null. `rejectedIds`: records upstream still has but the run refused: not gone, so not retired.
   */
  writeOperators(
    records: OperatorRecord[],
    rejectedIds: string[],
    stamp: Stamp,
    fullSince: Date | null,
  ): Promise<WriteResult> {
    return inTransaction(this.dataSource, async (em) => {
      const upserted = await this.repository.upsertOperators(em, records, stamp, fullSince);
      const retired =
        fullSince !== null ? await this.repository.retire(em, 'people_operator_cache', rejectedIds, stamp) : 0;
      await this.confirm(em, 'people_operator_cache', stamp);
      return { upserted, retired };
    });
  }

  writeTeams(records: TeamRecord[], rejectedIds: string[], stamp: Stamp): Promise<WriteResult> {
    return inTransaction(this.dataSource, async (em) => {
      const upserted = await this.repository.upsertTeams(em, records, stamp);
      const retired = await this.repository.retire(em, 'people_team_cache', rejectedIds, stamp);
      await this.confirm(em, 'people_team_cache', stamp);
      return { upserted, retired };
    });
  }

  writeAvailability(
    records: AvailabilityRecord[],
    window: { start: Date; end: Date },
    stamp: Stamp,
  ): Promise<WriteResult> {
    return inTransaction(this.dataSource, async (em) => {
      const upserted = await this.repository.upsertAvailability(em, records, window, stamp);
      const retired = await this.repository.removeUnwritten(em, stamp);
      return { upserted, retired };
    });
  }

  /**
   * The run succeeded, so what it did not rewrite is confirmed as of now: but only rows past
   * half their time to live are rewritten, so an incremental run touches a handful of rows
   * rather than the whole cache, and rows still never expire while runs succeed at least every
   * half TTL.
   */
  private confirm(em: EntityManager, table: CacheTable, stamp: Stamp): Promise<void> {
    const halfLife = new Date((stamp.fetchedAt.getTime() + stamp.expiresAt.getTime()) / 2);
    return this.repository.confirm(em, table, stamp, halfLife);
  }
}
