import { TokenStatus } from '../production/entities/token.entity.js';
import type { Assignment, TokenRef } from '../production/production.types.js';
import type { Db, Standing, WorkloadRepository } from './workload.repository.js';

/** Entries are one per operator; past this many, the stale ones are dropped. */
const MAX_ENTRIES = 20_000;

/**
 * Operators' standing as the resolver ranks them (read by WorkloadRepository).
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

  constructor(
    private readonly repository: Pick<WorkloadRepository, 'standings'>,
    private readonly ttlMs: number,
  ) {}

  /**
   * The standing of `accountIds` at `now`. `released` counts, per operator, their open tokens
   * being decided again (a route, a preview, a comparison; see releasedBy): each leaves its
   * current assignee whoever is chosen, so it is not their workload.
   */
  async standing(
    db: Db | undefined,
    accountIds: readonly number[],
    released: ReadonlyMap<number, number>,
    now: number,
    fresh = false,
  ): Promise<Map<number, Standing>> {
    const entries = fresh || this.ttlMs === 0 ? new Map<number, Standing & { readAt: number }>() : this.entries;
    const stale = accountIds.filter((id) => !((entries.get(id)?.readAt ?? -Infinity) > now - this.ttlMs));
    if (stale.length > 0) {
      if (entries === this.entries && entries.size + stale.length > MAX_ENTRIES) this.prune(now);
      for (const [id, standing] of await this.repository.standings(db, stale))
        entries.set(id, { ...standing, readAt: now });
    }
    for (const [accountId, tokens] of released) {
      const entry = entries.get(accountId);
      if (entry) entry.workload = Math.max(0, entry.workload - tokens);
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

/** Per operator, how many of `tokens` are open work assigned to them: what WorkloadBoard.standing releases. */
export function releasedBy(tokens: readonly TokenRef[]): Map<number, number> {
  const released = new Map<number, number>();
  for (const t of tokens)
    if (t.assignedAccountId !== null && (t.status === TokenStatus.Waiting || t.status === TokenStatus.InProgress))
      released.set(t.assignedAccountId, (released.get(t.assignedAccountId) ?? 0) + 1);
  return released;
}
