import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/http/cursor.js';
import type { Environment } from '../config/environment.js';
import type { CandidateSet } from './assignment-log-record.js';
import { AssignmentLogRepository, type LogDraft, type LogWhere } from './assignment-log.repository.js';
import type { AssignmentLog } from './entities/assignment-log.entity.js';

export interface LogFilter extends Omit<LogWhere, 'beforeId'> {
  cursor?: string;
  limit: number;
}

/** Bounds the hashes a process remembers; a factory has a few per job and node being worked on. */
const MAX_KNOWN = 10_000;

/**
 * The assignment audit trail: batched appends inside the deciding transaction, filtered reads
 * newest first. Each row references the candidate set its decision shares with the others of
 * the same eligibility (see assignment-log-record.ts), stored once.
 */
@Injectable()
export class AssignmentLogService {
  /** Sets trusted to be stored, until when: then a decision skips the insert. */
  private readonly known = new Map<string, number>();
  /** Sets a transaction still open has written or found: its commit makes them known. */
  private readonly pending = new Map<QueryRunner, Set<string>>();
  private readonly ttlMs: number;

  constructor(
    private readonly repository: AssignmentLogRepository,
    dataSource: DataSource,
    config: ConfigService<Environment, true>,
  ) {
    // ASSIGNMENT_CACHE_TTL_MS, the resolver's and the flag snapshot's bound: a set table that a
    // schema revert emptied is filled again by the first decision after it
    this.ttlMs = config.get('ASSIGNMENT_CACHE_TTL_MS', { infer: true });
    // a set is trusted only once the transaction that stored or saw it has committed: a rolled
    // back one (a lost Galera certification, a failed move) leaves nothing to reference
    dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => this.settle(queryRunner, true),
      afterTransactionRollback: ({ queryRunner }) => this.settle(queryRunner, false),
    });
  }

  /** The rows, after the sets they reference, on the caller's transaction. */
  async append(db: EntityManager, drafts: readonly LogDraft[], sets: readonly CandidateSet[] = []): Promise<void> {
    for (const set of sets) await this.share(db, set);
    await this.repository.append(db, drafts);
  }

  /**
   * Deletes the decisions about tokens removed unseen (a failed spawn), on the removing
   * transaction. Their sets may be unreferenced now, so this process trusts none it knew: the
   * next decision stores its set again rather than reference one retention may have deleted.
   */
  async forgetTokens(db: EntityManager, tokenIds: readonly number[]): Promise<void> {
    await this.repository.removeOfTokens(db, tokenIds);
    this.known.clear();
  }

  private async share(db: EntityManager, set: CandidateSet): Promise<void> {
    if ((this.known.get(set.hash) ?? 0) > Date.now()) return;
    const runner = db.queryRunner;
    const pending = runner ? this.pending.get(runner) : undefined;
    if (pending?.has(set.hash)) return;
    await this.repository.shareSet(db, set.hash, set.json);
    if (!runner?.isTransactionActive) this.remember([set.hash]);
    else if (pending) pending.add(set.hash);
    else this.pending.set(runner, new Set([set.hash]));
  }

  private settle(runner: QueryRunner, committed: boolean): void {
    const hashes = this.pending.get(runner);
    // a released savepoint: the transaction around it may still roll back
    if (!hashes || (committed && runner.isTransactionActive)) return;
    this.pending.delete(runner);
    if (committed) this.remember(hashes);
  }

  private remember(hashes: Iterable<string>): void {
    if (this.ttlMs <= 0) return;
    const now = Date.now();
    if (this.known.size >= MAX_KNOWN) {
      for (const [h, expires] of this.known) if (expires <= now) this.known.delete(h);
      if (this.known.size >= MAX_KNOWN) this.known.clear();
    }
    for (const h of hashes) this.known.set(h, now + this.ttlMs);
  }

  /** Newest first; the cursor is the last id of the previous page. */
  async list(filter: LogFilter): Promise<{ items: AssignmentLog[]; nextCursor: string | null }> {
    const { cursor, limit, ...where } = filter;
    const rows = await this.repository.newestFirst(
      { ...where, ...(cursor !== undefined ? { beforeId: decodeCursor(cursor) } : {}) },
      limit + 1,
    );
    if (rows.length <= limit) return { items: rows, nextCursor: null };
    // more follow, so this page is full (limit >= 1) and its last item is the cursor
    const items = rows.slice(0, limit);
    return { items, nextCursor: encodeCursor(items[limit - 1].id) };
  }
}
