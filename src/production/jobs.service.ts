import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { execute, toDbTime } from '../database/dialect.js';
import { JobStatus, JobTicket } from './entities/job-ticket.entity.js';
import { ProductionGraph } from './entities/production-graph.entity.js';
import { TokenEventType, TokenStatus } from './entities/token.entity.js';
import { TokenStore } from './token-store.js';
import { conflictOnDuplicate, inTransaction } from '../database/transaction.js';

export interface NewJob {
  code: string;
  graphId: number;
  productCode: string;
  quantity: number;
  priority?: number;
  dueAt?: Date | null;
}

/** Job tickets: planned -> released -> in_progress (spawned) -> done, or cancelled. */
@Injectable()
export class JobsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TokenStore,
  ) {}

  async create(input: NewJob): Promise<JobTicket> {
    return conflictOnDuplicate(`Job ${input.code}`, () =>
      inTransaction(this.dataSource, async (em) => {
        if (!(await em.getRepository(ProductionGraph).existsBy({ id: input.graphId }))) throw DomainError.notFound('Graph', input.graphId);
        const now = new Date();
        const repo = em.getRepository(JobTicket);
        return repo.save(
          repo.create({ ...input, priority: input.priority ?? 0, dueAt: input.dueAt ?? null, status: JobStatus.Planned, openTokens: 0, createdAt: now, updatedAt: now }),
        );
      }),
    );
  }

  list(status?: JobStatus): Promise<JobTicket[]> {
    return this.dataSource.getRepository(JobTicket).find({ where: status ? { status } : {}, order: { id: 'ASC' } });
  }

  findByCode(code: string): Promise<JobTicket | null> {
    return this.dataSource.getRepository(JobTicket).findOneBy({ code });
  }

  async get(id: number, manager: EntityManager = this.dataSource.manager): Promise<JobTicket> {
    const job = await manager.getRepository(JobTicket).findOneBy({ id });
    if (!job) throw DomainError.notFound('Job', id);
    return job;
  }

  async release(id: number): Promise<JobTicket> {
    await inTransaction(this.dataSource, (em) => this.transition(em, id, [JobStatus.Planned], JobStatus.Released));
    return this.get(id);
  }

  /** Cancels the job; a job in progress has its open tokens scrapped, each with its event. */
  async cancel(id: number, reason: string): Promise<JobTicket> {
    await inTransaction(this.dataSource, async (em) => {
      const from = await this.transition(em, id, [JobStatus.Planned, JobStatus.Released, JobStatus.InProgress], JobStatus.Cancelled);
      if (from !== JobStatus.InProgress) return;
      const open: Array<{ id: number; current_node_id: number }> = await em.query(
        `SELECT id, current_node_id FROM token WHERE job_id = ? AND status IN (?, ?) ORDER BY id`,
        [id, TokenStatus.Waiting, TokenStatus.InProgress],
      );
      const now = new Date();
      const scrapped = await execute(em, `UPDATE token SET status = ?, version = version + 1, updated_at = ? WHERE job_id = ? AND status IN (?, ?)`, [
        TokenStatus.Scrapped,
        toDbTime(now),
        id,
        TokenStatus.Waiting,
        TokenStatus.InProgress,
      ]);
      // a token that finished between the read and the update would get a wrong event
      if (scrapped !== open.length) throw new DomainError(ErrorCode.ConcurrentUpdate, `Tokens of job ${id} moved during the cancel; retry`);
      await this.store.insertEvents(
        em,
        open.map((t) => ({ tokenId: Number(t.id), type: TokenEventType.Scrapped, nodeId: Number(t.current_node_id), operatorId: null, occurredAt: now, payload: { reason: `job cancelled: ${reason}` } })),
      );
      await em.query(`UPDATE job_ticket SET open_tokens = 0 WHERE id = ?`, [id]);
    });
    return this.get(id);
  }

  /** One conditional UPDATE from an allowed status; returns the status it left. */
  private async transition(em: EntityManager, id: number, from: JobStatus[], to: JobStatus): Promise<JobStatus> {
    const job = await this.get(id, em);
    if (!from.includes(job.status)) {
      throw new DomainError(ErrorCode.InvalidState, `Job ${job.code} is ${job.status}; it must be ${from.join(' or ')} to become ${to}`, { jobId: id, status: job.status });
    }
    const changed = await execute(em, `UPDATE job_ticket SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, [to, toDbTime(new Date()), id, job.status]);
    if (changed !== 1) throw new DomainError(ErrorCode.ConcurrentUpdate, `Job ${job.code} was changed concurrently; reload and retry`, { jobId: id });
    return job.status;
  }
}
