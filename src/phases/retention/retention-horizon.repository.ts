import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dialectOf, insertIgnore, toDbTime } from '../../database/dialect.js';
import { RetentionHorizon } from './retention-horizon.entity.js';

/**
 * retention_horizon: per purged table, the time before which its rows may be gone. Rows aged
 * at or after it are all still there. It only moves forward: a later run with a shorter
 * retention cannot bring back what an earlier one deleted.
 */
@Injectable()
export class RetentionHorizonRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Null while retention has never purged `table`. */
  async purgedBefore(table: string): Promise<Date | null> {
    const row = await this.dataSource.getRepository(RetentionHorizon).findOneBy({ tableName: table });
    return row?.purgedBefore ?? null;
  }

  /** Records that rows of `table` aged before `cutoff` may be gone from now on (a later horizon stays). */
  async advance(table: string, cutoff: Date, now = new Date()): Promise<void> {
    const at = toDbTime(cutoff);
    await this.dataSource.query(
      `${insertIgnore(dialectOf(this.dataSource))} retention_horizon (table_name, purged_before, updated_at) VALUES (?, ?, ?)`,
      [table, at, toDbTime(now)],
    );
    await this.dataSource.query(
      `UPDATE retention_horizon SET purged_before = ?, updated_at = ? WHERE table_name = ? AND purged_before < ?`,
      [at, toDbTime(now), table, at],
    );
  }
}
