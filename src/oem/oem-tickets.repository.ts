import { Injectable } from '@nestjs/common';
import { DataSource, LessThan, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { present } from '../common/present.js';
import { execute, toDbTime } from '../database/dialect.js';
import {
  OemJobTicket,
  OemJobTicketStep,
  OemTicketStatus,
  OPEN_TICKET_STATUSES,
} from './entities/oem-job-ticket.entity.js';

export type NewTicket = Omit<OemJobTicket, 'id'>;
export type NewStep = Omit<OemJobTicketStep, 'id' | 'ticketId'>;

/** OEM job tickets and their steps, and what a ticket's creation checks of the core's jobs and graphs. */
@Injectable()
export class OemTicketsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The new ticket's id; a duplicate customer reference (or job) fails with the database's unique violation. */
  async insertTicket(em: EntityManager, ticket: NewTicket): Promise<number> {
    return (await em.getRepository(OemJobTicket).save(ticket)).id;
  }

  async insertSteps(em: EntityManager, ticketId: number, steps: NewStep[]): Promise<void> {
    await em.getRepository(OemJobTicketStep).insert(steps.map((s) => ({ ...s, ticketId })));
  }

  /** Newest first, `limit` of them, below the id `beforeId` when paging on. */
  list(
    filter: { customer?: string; status?: OemTicketStatus; beforeId?: number },
    limit: number,
  ): Promise<OemJobTicket[]> {
    const where: FindOptionsWhere<OemJobTicket> = {
      ...(filter.customer ? { customer: filter.customer } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.beforeId !== undefined ? { id: LessThan(filter.beforeId) } : {}),
    };
    return this.dataSource.getRepository(OemJobTicket).find({ where, order: { id: 'DESC' }, take: limit });
  }

  findById(id: number): Promise<OemJobTicket | null> {
    return this.dataSource.getRepository(OemJobTicket).findOneBy({ id });
  }

  steps(ticketId: number): Promise<OemJobTicketStep[]> {
    return this.dataSource.getRepository(OemJobTicketStep).find({ where: { ticketId }, order: { sequence: 'ASC' } });
  }

  /** The current step of a ticket that exists and is not finished, by its customer reference. */
  async currentSequence(customer: string, externalRef: string): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ current_sequence: number | null }>>(
      `SELECT current_sequence FROM oem_job_ticket WHERE customer = ? AND external_ref = ?`,
      [customer, externalRef],
    );
    return present(row.current_sequence, `current step of OEM ticket ${customer} ${externalRef}`);
  }

  /** Open or in progress -> cancelled, bumping the version a scan's step UPDATE checks; false when the ticket was in neither state. */
  async cancel(id: number, at: Date): Promise<boolean> {
    const changed = await execute(
      this.dataSource,
      `UPDATE oem_job_ticket SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
      [OemTicketStatus.Cancelled, toDbTime(at), id, ...OPEN_TICKET_STATUSES],
    );
    return changed === 1;
  }

  /** The graph of a core job; null when there is no such job. */
  async graphOfJob(em: EntityManager, jobId: number): Promise<number | null> {
    const job = (
      await em.query<Array<{ graph_id: number }>>(`SELECT graph_id FROM job_ticket WHERE id = ?`, [jobId])
    ).at(0);
    return job ? job.graph_id : null;
  }

  /** Node ids by code, of those of `codes` the graph has. */
  async nodesByCode(em: EntityManager, graphId: number, codes: string[]): Promise<Map<string, number>> {
    if (codes.length === 0) return new Map();
    const rows = await em.query<Array<{ id: number; code: string }>>(
      `SELECT id, code FROM graph_node WHERE graph_id = ? AND code IN (${codes.map(() => '?').join(', ')})`,
      [graphId, ...codes],
    );
    return new Map(rows.map((r) => [r.code, r.id]));
  }
}
