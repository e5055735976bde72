import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { execute, toDbTime } from '../database/dialect.js';
import { JobStatus, JobTicket } from './entities/job-ticket.entity.js';
import type { JobRef } from './production.types.js';
import { JOB_REF_COLUMNS, toJobRef, type JobRefRow } from './job-ref-row.js';

export interface JobDraft {
  code: string;
  graphId: number;
  productCode: string;
  quantity: number;
  priority: number;
  dueAt: Date | null;
}

/**
 * The job_ticket table. Every status change is a conditional UPDATE from the status read
 * before it, so of two replicas changing one job only one changes a row; open_tokens moves
 * only inside the transaction that opens or closes the tokens it counts.
 */
@Injectable()
export class JobRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(em: EntityManager, draft: JobDraft, now: Date): Promise<JobTicket> {
    const repo = em.getRepository(JobTicket);
    return repo.save(
      repo.create({ ...draft, status: JobStatus.Planned, openTokens: 0, createdAt: now, updatedAt: now }),
    );
  }

  list(status?: JobStatus): Promise<JobTicket[]> {
    return this.dataSource.getRepository(JobTicket).find({ where: status ? { status } : {}, order: { id: 'ASC' } });
  }

  findByCode(code: string): Promise<JobTicket | null> {
    return this.dataSource.getRepository(JobTicket).findOneBy({ code });
  }

  /** Inside a transaction when `manager` is given. */
  find(id: number, manager: EntityManager = this.dataSource.manager): Promise<JobTicket | null> {
    return manager.getRepository(JobTicket).findOneBy({ id });
  }

  async ref(em: EntityManager, id: number): Promise<JobRef | null> {
    const row = (await em.query<JobRefRow[]>(`SELECT ${JOB_REF_COLUMNS} FROM job_ticket WHERE id = ?`, [id])).at(0);
    return row ? toJobRef(row) : null;
  }

  /** True when the job was still `from` and is now `to`. */
  async changeStatus(em: EntityManager, id: number, from: JobStatus, to: JobStatus, now: Date): Promise<boolean> {
    return (
      (await execute(em, `UPDATE job_ticket SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, [
        to,
        toDbTime(now),
        id,
        from,
      ])) === 1
    );
  }

  /** released -> in_progress with all its tokens open; false when the job was not released. */
  async claimForSpawn(em: EntityManager, id: number, now: Date): Promise<boolean> {
    const claimed = await execute(
      em,
      `UPDATE job_ticket SET status = ?, open_tokens = quantity, updated_at = ? WHERE id = ? AND status = ?`,
      [JobStatus.InProgress, toDbTime(now), id, JobStatus.Released],
    );
    return claimed === 1;
  }

  /**
   * One token of the job left the open states. The CASE comes first because MySQL evaluates
   * SET assignments left to right (SQLite reads old values throughout): both see the old count.
   */
  async closeOneToken(em: EntityManager, id: number, now: Date): Promise<void> {
    await em.query(
      `UPDATE job_ticket SET status = CASE WHEN open_tokens <= 1 AND status = 'in_progress' THEN 'done' ELSE status END,
         open_tokens = open_tokens - 1, updated_at = ? WHERE id = ?`,
      [toDbTime(now), id],
    );
  }

  async closeAllTokens(em: EntityManager, id: number): Promise<void> {
    await em.query(`UPDATE job_ticket SET open_tokens = 0 WHERE id = ?`, [id]);
  }

  /** Whether any job uses the graph; inside a transaction when `manager` is given. */
  async usesGraph(graphId: number, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const used = await manager.query<unknown[]>(`SELECT 1 AS x FROM job_ticket WHERE graph_id = ? LIMIT 1`, [graphId]);
    return used.length > 0;
  }

  /** The codes of the first `limit` jobs on the graph, oldest first. */
  async codesOnGraph(em: EntityManager, graphId: number, limit: number): Promise<string[]> {
    const jobs = await em.query<Array<{ code: string }>>(
      `SELECT code FROM job_ticket WHERE graph_id = ? ORDER BY id LIMIT ?`,
      [graphId, limit],
    );
    return jobs.map((j) => j.code);
  }
}
