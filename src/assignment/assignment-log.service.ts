import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { dialectOf, fromDbTime, insertChunkRows, toDbTime } from '../database/dialect.js';
import { decodeCursor, encodeCursor } from '../common/http/cursor.js';
import { AssignmentMethod, type AssignmentLog, type StoredCandidate } from './entities/assignment-log.entity.js';
import type { Candidate } from './ranking.js';

/** A decision to append; its candidates already serialised (see candidatesJson). */
export type LogDraft = Omit<AssignmentLog, 'id' | 'candidates'> & { candidatesJson: string };

export interface LogFilter {
  tokenId?: number;
  operatorId?: number;
  method?: AssignmentMethod;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

const COLUMNS = ['token_id', 'job_id', 'node_id', 'account_id', 'team_id', 'method', 'reason', 'candidates', 'directory', 'decided_at', 'duration_us'];

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
  constructor(private readonly dataSource: DataSource) {}

  async append(db: EntityManager, drafts: readonly LogDraft[]): Promise<void> {
    const chunk = insertChunkRows(dialectOf(db), COLUMNS.length);
    for (let i = 0; i < drafts.length; i += chunk) {
      const rows = drafts.slice(i, i + chunk);
      const params = rows.flatMap((d) => [
        d.tokenId,
        d.jobId,
        d.nodeId,
        d.accountId,
        d.teamId,
        d.method,
        d.reason === null ? null : d.reason.slice(0, 255),
        d.candidatesJson,
        d.directory,
        toDbTime(d.decidedAt),
        d.durationUs,
      ]);
      const row = `(${COLUMNS.map(() => '?').join(', ')})`;
      await db.query(`INSERT INTO assignment_log (${COLUMNS.join(', ')}) VALUES ${rows.map(() => row).join(', ')}`, params);
    }
  }

  /** Newest first; the cursor is the last id of the previous page. */
  async list(filter: LogFilter): Promise<{ items: AssignmentLog[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => (where.push(sql), params.push(value));
    if (filter.tokenId !== undefined) add('token_id = ?', filter.tokenId);
    if (filter.operatorId !== undefined) add('account_id = ?', filter.operatorId);
    if (filter.method !== undefined) add('method = ?', filter.method);
    if (filter.from !== undefined) add('decided_at >= ?', toDbTime(filter.from));
    if (filter.to !== undefined) add('decided_at < ?', toDbTime(filter.to));
    if (filter.cursor !== undefined) add('id < ?', decodeCursor(filter.cursor));
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${['id', ...COLUMNS].join(', ')} FROM assignment_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${filter.limit + 1}`,
      params,
    );
    const items = rows.slice(0, filter.limit).map(toLog);
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor(items.at(-1)!.id) : null };
  }
}

function toLog(r: Record<string, unknown>): AssignmentLog {
  const id = (v: unknown) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    tokenId: Number(r.token_id),
    jobId: Number(r.job_id),
    nodeId: Number(r.node_id),
    accountId: id(r.account_id),
    teamId: id(r.team_id),
    method: r.method as AssignmentMethod,
    reason: (r.reason as string | null) ?? null,
    candidates: JSON.parse(String(r.candidates)) as StoredCandidate[],
    directory: String(r.directory),
    decidedAt: fromDbTime(r.decided_at as string | Date)!,
    durationUs: Number(r.duration_us),
  };
}
