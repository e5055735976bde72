import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/http/cursor.js';
import { AssignmentLogRepository, type LogDraft, type LogWhere } from './assignment-log.repository.js';
import type { AssignmentLog } from './entities/assignment-log.entity.js';
import type { Candidate } from './ranking.js';

export interface LogFilter extends Omit<LogWhere, 'beforeId'> {
  cursor?: string;
  limit: number;
}

const n = (v: number | null) => (v === null ? 'null' : String(v));

/** One StoredCandidate as JSON, written by hand: a spawn serialises tokens x candidates of them. */
function candidateJson(c: Candidate, rank: number | null): string {
  const excluded = c.exclusions.length > 0;
  const last = c.lastAssignedAt === null ? null : Math.floor(c.lastAssignedAt);
  return `[${c.operatorId},${n(c.teamId)},${n(rank)},"${c.tier}",${n(c.priority)},${n(c.workload)},${n(last)},${excluded ? JSON.stringify(c.exclusions) : '[]'}]`;
}

/** The serialised `others` of a cached eligibility, with the rank their first eligible one starts at. */
const tails = new WeakMap<readonly Candidate[], { from: number; json: string }>();

/**
 * One decision's candidates: the contenders ranked as they stood for it, then `others` (see
 * Contest), whose part is the same for every decision of that eligibility and serialised once.
 */
export function candidatesJson(ranked: readonly Candidate[], others: readonly Candidate[]): string {
  const from = ranked.length + 1;
  let tail = tails.get(others);
  if (!tail || tail.from !== from) {
    tail = { from, json: others.map((c, i) => candidateJson(c, c.exclusions.length > 0 ? null : from + i)).join(',') };
    tails.set(others, tail);
  }
  let json = '[';
  for (let i = 0; i < ranked.length; i++) json += (i > 0 ? ',' : '') + candidateJson(ranked[i], i + 1);
  if (tail.json) json += (ranked.length > 0 ? ',' : '') + tail.json;
  return json + ']';
}

/** The assignment audit trail: batched appends inside the deciding transaction, filtered reads newest first. */
@Injectable()
export class AssignmentLogService {
  constructor(private readonly repository: AssignmentLogRepository) {}

  append(db: EntityManager, drafts: readonly LogDraft[]): Promise<void> {
    return this.repository.append(db, drafts);
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
