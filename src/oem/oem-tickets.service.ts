import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, type FieldError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { decodeCursor, pageOf } from '../common/http/cursor.js';
import { present } from '../common/present.js';
import {
  OemStepStatus,
  OemTicketStatus,
  type OemJobTicket,
  type OemJobTicketStep,
} from './entities/oem-job-ticket.entity.js';
import { conflictOnDuplicate, inTransaction } from '../database/transaction.js';
import { OemTicketsRepository } from './oem-tickets.repository.js';

export interface StepInput {
  sequence: number;
  name: string;
  nodeCode?: string;
}

export interface CreateTicketInput {
  customer: string;
  externalRef: string;
  jobId?: number;
  dueAt?: Date;
  steps: StepInput[];
}

export interface TicketListFilter {
  customer?: string;
  status?: OemTicketStatus;
  limit?: number;
  cursor?: string;
}

export interface TicketDetail {
  ticket: OemJobTicket;
  steps: OemJobTicketStep[];
}

/** OEM job tickets: created with validated steps, listed, read with their steps, cancelled. */
@Injectable()
export class OemTicketsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: OemTicketsRepository,
  ) {}

  /**
   * Steps must be numbered 1..n without gaps (the scan path relies on it: the step after k
   * is k + 1), and a step mapped to a node needs a linked job whose graph has that node.
   */
  async create(input: CreateTicketInput): Promise<TicketDetail> {
    checkSequences(input);
    const id = await inTransaction(this.dataSource, async (em) => {
      const nodes = await this.nodesOfJob(em, input);
      const now = new Date();
      const ticketId = await conflictOnDuplicate(
        `An OEM ticket ${input.customer} ${input.externalRef}, or one linked to job ${input.jobId},`,
        () =>
          this.repository.insertTicket(em, {
            customer: input.customer,
            externalRef: input.externalRef,
            jobId: input.jobId ?? null,
            status: OemTicketStatus.Open,
            dueAt: input.dueAt ?? null,
            currentSequence: 1,
            stepCount: input.steps.length,
            version: 1,
            createdAt: now,
            updatedAt: now,
          }),
      );
      await this.repository.insertSteps(
        em,
        ticketId,
        [...input.steps]
          .sort((a, b) => a.sequence - b.sequence)
          .map((s) => ({
            sequence: s.sequence,
            name: s.name,
            nodeCode: s.nodeCode ?? null,
            // nodesOfJob refused any code the job's graph lacks
            nodeId: s.nodeCode ? present(nodes.get(s.nodeCode), `node ${s.nodeCode}`) : null,
            status: OemStepStatus.Pending,
            scannedAt: null,
            stationCode: null,
          })),
      );
      return ticketId;
    });
    return this.get(id);
  }

  async list(filter: TicketListFilter): Promise<{ items: OemJobTicket[]; nextCursor: string | null }> {
    const limit = filter.limit ?? 50;
    const beforeId = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    return pageOf(
      await this.repository.list({ customer: filter.customer, status: filter.status, beforeId }, limit + 1),
      limit,
    );
  }

  async get(id: number): Promise<TicketDetail> {
    const ticket = await this.repository.findById(id);
    if (!ticket) throw DomainError.notFound('OEM ticket', id);
    const steps = await this.repository.steps(id);
    return { ticket, steps };
  }

  /** Open or in progress -> cancelled; its steps keep their state, the linked job is the core's to cancel. */
  async cancel(id: number): Promise<TicketDetail> {
    const { ticket } = await this.get(id);
    const cancelled = await this.repository.cancel(id, new Date());
    const after = await this.get(id);
    if (!cancelled) {
      // as it is now: a concurrent scan may have finished it, or a concurrent cancel won
      const { status } = after.ticket;
      throw new DomainError(
        ErrorCode.InvalidState,
        `OEM ticket ${ticket.customer} ${ticket.externalRef} is ${status} and cannot be cancelled`,
        { ticketId: id, status },
      );
    }
    return after;
  }

  /** Node ids by code in the linked job's graph, checked against every mapped step. */
  private async nodesOfJob(em: EntityManager, input: CreateTicketInput): Promise<Map<string, number>> {
    const mapped = input.steps.flatMap((s, i) =>
      s.nodeCode === undefined ? [] : [{ code: s.nodeCode, field: `steps.${i}.nodeCode` }],
    );
    if (input.jobId === undefined) {
      if (mapped.length === 0) return new Map();
      throw DomainError.validation(
        mapped.map((m) => ({
          field: m.field,
          messages: ['a step mapped to a node needs the ticket linked to a job (jobId)'],
        })),
      );
    }
    const graphId = await this.repository.graphOfJob(em, input.jobId);
    if (graphId === null) throw DomainError.notFound('Job', input.jobId);
    const nodes = await this.repository.nodesByCode(em, graphId, [...new Set(mapped.map((m) => m.code))]);
    const missing = mapped.filter((m) => !nodes.has(m.code));
    if (missing.length) {
      throw DomainError.validation(
        missing.map((m) => ({
          field: m.field,
          messages: [`node ${m.code} does not exist in the graph of job ${input.jobId}`],
        })),
      );
    }
    return nodes;
  }
}

function checkSequences(input: CreateTicketInput): void {
  const sequences = input.steps.map((s) => s.sequence).sort((a, b) => a - b);
  const errors: FieldError[] = [];
  const duplicates = [...new Set(sequences.filter((s, i) => sequences[i - 1] === s))];
  if (duplicates.length)
    errors.push({ field: 'steps', messages: [`step sequences must be unique; repeated: ${duplicates.join(', ')}`] });
  else if (sequences.some((s, i) => s !== i + 1))
    errors.push({
      field: 'steps',
      messages: [`step sequences must run 1..${sequences.length} without gaps; got ${sequences.join(', ')}`],
    });
  if (errors.length) throw DomainError.validation(errors);
}
