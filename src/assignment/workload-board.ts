import type { EntityManager } from 'typeorm';
import { forceIndex, fromDbTime, type Dialect } from '../database/dialect.js';
import type { Assignment, TokenRef } from '../production/production.types.js';

type Db = Pick<EntityManager, 'query'>;

/** What ranks eligible operators of equal priority: open tokens, then their latest automatic assignment. */
export interface Standing {
  workload: number;
  /** Epoch ms; null when never assigned automatically. */
  lastAssignedAt: number | null;
}

/** token (assigned_account_id, status), created by the Phase 7 migration. */
const WORKLOAD_INDEX = 'idx_token_account_status';

/** Entries are one per operator; past this many, the stale ones are dropped. */
const MAX_ENTRIES = 20_000;

/**
 * Operators' standing as the resolver ranks them. Read from the database, it is one query of
 * index seeks per operator: one per open status on (account, status), so finished tokens are
 * never read (given `status IN (...)`, MariaDB seeks on the account part alone and walks the
 * operator's whole history; left to its statistics it may even count through every waiting
 * token of the factory), and one on the log's (account, time).
 *
 * The runtime keeps what it read for `ttlMs` (ASSIGNMENT_CACHE_TTL_MS) and counts its own
 * decisions into it as it makes them: that query was most of an automatic decision's cost
 * (MariaDB spends ~0.5 ms on 20 contenders, as much as the rest of a route), while the ranking
 * only needs workload to spread tokens. What this replica did not decide (other replicas,
 * manual assignments, tokens finishing) shows within the bound. With a bound of 0, or when
 * `fresh` is asked (preview, comparison), every standing is read now.
 */
export class WorkloadBoard {
  private readonly entries = new Map<number, Standing & { readAt: number }>();
  private readonly sql: string;

  constructor(
    dialect: Dialect,
    private readonly ttlMs: number,
  ) {
    const open = (status: string) => `(SELECT COUNT(*) FROM token t ${forceIndex(dialect, WORKLOAD_INDEX)} WHERE t.assigned_account_id = a.id AND t.status = '${status}')`;
    this.sql = `SELECT a.id, ${open('waiting')} + ${open('in_progress')} AS workload,
      (SELECT l.decided_at FROM assignment_log l WHERE l.account_id = a.id ORDER BY l.decided_at DESC LIMIT 1) AS last_assigned
      FROM account a WHERE a.id IN `;
  }

  /**
   * The standing of `accountIds` at `now`. `reassigning` are tokens being decided again (a
   * route, a preview, a comparison): each leaves its current assignee whoever is chosen, so
   * it is not their workload.
   */
  async standing(db: Db, accountIds: readonly number[], reassigning: readonly TokenRef[], now: number, fresh = false): Promise<Map<number, Standing>> {
    const entries = fresh || this.ttlMs === 0 ? new Map<number, Standing & { readAt: number }>() : this.entries;
    const stale = accountIds.filter((id) => !((entries.get(id)?.readAt ?? -Infinity) > now - this.ttlMs));
    if (stale.length > 0) {
      if (entries === this.entries && entries.size + stale.length > MAX_ENTRIES) this.prune(now);
      const rows: Array<Record<string, unknown>> = await db.query(`${this.sql}(${stale.map(() => '?').join(', ')})`, stale);
      for (const r of rows) {
        const lastAssignedAt = fromDbTime(r.last_assigned as string | Date | null)?.getTime() ?? null;
        entries.set(Number(r.id), { workload: Number(r.workload), lastAssignedAt, readAt: now });
      }
    }
    for (const t of reassigning) {
      const entry = t.assignedAccountId === null ? undefined : entries.get(t.assignedAccountId);
      if (entry && (t.status === 'waiting' || t.status === 'in_progress')) entry.workload = Math.max(0, entry.workload - 1);
    }
    const result = new Map<number, Standing>();
    for (const id of accountIds) {
      const entry = entries.get(id);
      if (entry) result.set(id, { workload: entry.workload, lastAssignedAt: entry.lastAssignedAt });
    }
    return result;
  }

  /** Counts decisions this replica just made, as a fresh read would after they commit. */
  assigned(assignments: readonly Assignment[], at: Date): void {
    for (const { accountId } of assignments) {
      const entry = accountId === null ? undefined : this.entries.get(accountId);
      if (entry) {
        entry.workload += 1;
        entry.lastAssignedAt = at.getTime();
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }

  private prune(now: number): void {
    for (const [id, entry] of this.entries) if (entry.readAt <= now - this.ttlMs) this.entries.delete(id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
  }
}
