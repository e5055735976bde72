import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { JobStatus, JobTicket } from './entities/job-ticket.entity.js';
import { TokenEventType } from './entities/token.entity.js';
import { GraphRepository } from './graph.repository.js';
import { JobRepository } from './job.repository.js';
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
    private readonly jobs: JobRepository,
    private readonly graphs: GraphRepository,
    private readonly store: TokenStore,
  ) {}

  async create(input: NewJob): Promise<JobTicket> {
    return conflictOnDuplicate(`Job ${input.code}`, () =>
      inTransaction(this.dataSource, async (em) => {
        if (!(await this.graphs.exists(em, input.graphId))) throw DomainError.notFound('Graph', input.graphId);
        return this.jobs.insert(
          em,
          { ...input, priority: input.priority ?? 0, dueAt: input.dueAt ?? null },
          new Date(),
        );
      }),
    );
  }

  list(status?: JobStatus): Promise<JobTicket[]> {
    return this.jobs.list(status);
  }

  findByCode(code: string): Promise<JobTicket | null> {
    return this.jobs.findByCode(code);
  }

  async get(id: number, manager?: EntityManager): Promise<JobTicket> {
    const job = await this.jobs.find(id, manager);
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
      const from = await this.transition(
        em,
        id,
        [JobStatus.Planned, JobStatus.Released, JobStatus.InProgress],
        JobStatus.Cancelled,
      );
      if (from !== JobStatus.InProgress) return;
      const open = await this.store.openTokensOf(em, id);
      const now = new Date();
      const scrapped = await this.store.scrapOpenTokens(em, id, now);
      // a token that finished between the read and the update would get a wrong event
      if (scrapped !== open.length)
        throw new DomainError(ErrorCode.ConcurrentUpdate, `Tokens of job ${id} moved during the cancel; retry`);
      await this.store.insertEvents(
        em,
        open.map((t) => ({
          tokenId: t.id,
          type: TokenEventType.Scrapped,
          nodeId: t.currentNodeId,
          operatorId: null,
          occurredAt: now,
          payload: { reason: `job cancelled: ${reason}` },
        })),
      );
      await this.jobs.closeAllTokens(em, id);
    });
    return this.get(id);
  }

  /** One conditional UPDATE from an allowed status; returns the status it left. */
  private async transition(em: EntityManager, id: number, from: JobStatus[], to: JobStatus): Promise<JobStatus> {
    const job = await this.get(id, em);
    if (!from.includes(job.status)) {
      throw new DomainError(
        ErrorCode.InvalidState,
        `Job ${job.code} is ${job.status}; it must be ${from.join(' or ')} to become ${to}`,
        { jobId: id, status: job.status },
      );
    }
    if (!(await this.jobs.changeStatus(em, id, job.status, to, new Date()))) {
      throw new DomainError(ErrorCode.ConcurrentUpdate, `Job ${job.code} was changed concurrently; reload and retry`, {
        jobId: id,
      });
    }
    return job.status;
  }
}
