import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { dialectOf, forceIndex, fromDbTime } from '../database/dialect.js';
import { spawnFinished } from '../production/token-store.js';

/** Where a standing is read: the caller's transaction, or the pool. */
export type Db = Pick<EntityManager, 'query'>;

/** What ranks eligible operators of equal priority: open tokens, then their latest automatic assignment. */
export interface Standing {
  workload: number;
  /** Epoch ms; null when never assigned automatically. */
  lastAssignedAt: number | null;
}

/** token (assigned_account_id, status), created by the Phase 7 migration. */
const WORKLOAD_INDEX = 'idx_token_account_status';

/**
 * Operators' standing, one query of index seeks per operator: one per open status on
 * (account, status), so finished tokens are never read (given `status IN (...)`, MariaDB seeks
 * on the account part alone and walks the operator's whole history; left to its statistics it
 * may even count through every waiting token of the factory), and one on the log's (account, time).
 */
@Injectable()
export class WorkloadRepository {
  private readonly sql: string;

  constructor(private readonly dataSource: DataSource) {
    const dialect = dialectOf(dataSource);
    const open = (status: string) =>
      `(SELECT COUNT(*) FROM token t ${forceIndex(dialect, WORKLOAD_INDEX)} WHERE t.assigned_account_id = a.id AND t.status = '${status}' AND ${spawnFinished('t.job_id')})`;
    this.sql = `SELECT a.id, ${open('waiting')} + ${open('in_progress')} AS workload,
      (SELECT l.decided_at FROM assignment_log l WHERE l.account_id = a.id ORDER BY l.decided_at DESC LIMIT 1) AS last_assigned
      FROM account a WHERE a.id IN `;
  }

  /** The standing of each of `accountIds` that has an account, read on `db` (the pool when not given). */
  async standings(db: Db | undefined, accountIds: readonly number[]): Promise<Map<number, Standing>> {
    const rows: Array<Record<string, unknown>> = await (db ?? this.dataSource).query(
      `${this.sql}(${accountIds.map(() => '?').join(', ')})`,
      [...accountIds],
    );
    return new Map(
      rows.map((r) => [
        Number(r.id),
        {
          workload: Number(r.workload),
          lastAssignedAt: fromDbTime(r.last_assigned as string | Date | null)?.getTime() ?? null,
        },
      ]),
    );
  }
}
