import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { present } from '../common/present.js';
import { dialectOf, fromDbTime, insertChunkRows, insertIgnore, toDbTime } from '../database/dialect.js';
import { referencedSet, storedCandidates } from './assignment-log-record.js';
import { AssignmentMethod, type AssignmentLog } from './entities/assignment-log.entity.js';

/** A decision to append; its candidates already serialised (see compactRecord). */
export type LogDraft = Omit<AssignmentLog, 'id' | 'candidates' | 'candidateSet'> & { candidatesJson: string };

/** Which rows to read; each given field narrows them. */
export interface LogWhere {
  tokenId?: number;
  operatorId?: number;
  method?: AssignmentMethod;
  from?: Date;
  to?: Date;
  /** Only rows older than this id (the previous page's last). */
  beforeId?: number;
}

const COLUMNS = [
  'token_id',
  'job_id',
  'node_id',
  'account_id',
  'team_id',
  'method',
  'reason',
  'candidates',
  'candidate_set',
  'directory',
  'decided_at',
  'duration_us',
];

const WHERE_SQL: Record<keyof LogWhere, string> = {
  tokenId: 'token_id = ?',
  operatorId: 'account_id = ?',
  method: 'method = ?',
  from: 'decided_at >= ?',
  to: 'decided_at < ?',
  beforeId: 'id < ?',
};

/** The assignment_log table, one row per decided token, and the candidate sets its rows reference. */
@Injectable()
export class AssignmentLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Batched multi-row inserts on the deciding transaction. */
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
        referencedSet(d.candidatesJson),
        d.directory,
        toDbTime(d.decidedAt),
        d.durationUs,
      ]);
      const row = `(${COLUMNS.map(() => '?').join(', ')})`;
      await db.query(
        `INSERT INTO assignment_log (${COLUMNS.join(', ')}) VALUES ${rows.map(() => row).join(', ')}`,
        params,
      );
    }
  }

  /** Deletes the decisions about the given tokens, on the caller's transaction. */
  async removeOfTokens(db: EntityManager, tokenIds: readonly number[]): Promise<void> {
    const chunk = insertChunkRows(dialectOf(db), 1);
    for (let i = 0; i < tokenIds.length; i += chunk) {
      const ids = tokenIds.slice(i, i + chunk);
      await db.query(`DELETE FROM assignment_log WHERE token_id IN (${ids.map(() => '?').join(', ')})`, ids);
    }
  }

  /**
   * Stores a candidate set unless it is there already. Keyed by the hash,
   * so concurrent writers of one set (SQLite's, MySQL's or other Galera nodes' transactions)
   * leave one row: a second INSERT waits for the first's transaction and then skips.
   */
  async shareSet(db: EntityManager, hash: string, json: string): Promise<void> {
    await db.query(`${insertIgnore(dialectOf(db))} assignment_candidate_set (hash, candidates) VALUES (?, ?)`, [
      hash,
      json,
    ]);
  }

  /** At most `limit` rows, newest first, with the candidate sets they reference read in one query. */
  async newestFirst(filter: LogWhere, limit: number): Promise<AssignmentLog[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, clause] of Object.entries(WHERE_SQL) as Array<[keyof LogWhere, string]>) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(clause);
      params.push(value instanceof Date ? toDbTime(value) : value);
    }
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${['id', ...COLUMNS].join(', ')} FROM assignment_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`,
      params,
    );
    const hashes = [...new Set(rows.map((r) => referencedSet(String(r.candidates))).filter((h) => h !== null))];
    const sets = new Map<string, string>();
    if (hashes.length > 0) {
      const found: Array<{ hash: string; candidates: string }> = await this.dataSource.query(
        `SELECT hash, candidates FROM assignment_candidate_set WHERE hash IN (${hashes.map(() => '?').join(', ')})`,
        hashes,
      );
      for (const set of found) sets.set(set.hash, set.candidates);
    }
    return rows.map((r) => toLog(r, sets));
  }
}

function toLog(r: Record<string, unknown>, sets: ReadonlyMap<string, string>): AssignmentLog {
  const id = (v: unknown) => (v === null ? null : Number(v));
  const decidedAt = present(fromDbTime(r.decided_at as string | Date), 'assignment_log.decided_at');
  const text = String(r.candidates);
  const set = referencedSet(text);
  return {
    id: Number(r.id),
    tokenId: Number(r.token_id),
    jobId: Number(r.job_id),
    nodeId: Number(r.node_id),
    accountId: id(r.account_id),
    teamId: id(r.team_id),
    method: r.method as AssignmentMethod,
    reason: (r.reason as string | null) ?? null,
    candidates: storedCandidates(text, decidedAt, set === null ? undefined : sets.get(set)),
    candidateSet: set,
    directory: String(r.directory),
    decidedAt,
    durationUs: Number(r.duration_us),
  };
}
