import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fromDbTime } from '../database/dialect.js';
import { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';

export interface KanbanCard {
  ticketId: number;
  customer: string;
  externalRef: string;
  status: OemTicketStatus;
  dueAt: Date | null;
  late: boolean;
  currentStep: { sequence: number; name: string; status: OemStepStatus; nodeCode: string | null };
  stepsDone: number;
  stepCount: number;
}

export interface KanbanColumn {
  /** The step name: tickets whose current step has this name share a column. */
  step: string;
  /** Open tickets in the column; `cards` holds the most urgent `limit` of them. */
  count: number;
  cards: KanbanCard[];
}

export interface Kanban {
  customer: string | null;
  generatedAt: Date;
  columns: KanbanColumn[];
}

const OPEN = [OemTicketStatus.Open, OemTicketStatus.InProgress];
const CURRENT = `FROM oem_job_ticket t JOIN oem_job_ticket_step s ON s.ticket_id = t.id AND s.sequence = t.current_sequence
  WHERE t.status IN (?, ?)`;

/**
 * The open tickets by current step. Two queries whatever the ticket count: the column
 * counts, and the cards (earliest due first, undated last) cut to `limit` per column by
 * ROW_NUMBER, which SQLite 3.25+, MySQL 8 and MariaDB 10.2+ all have. The current step is
 * one join because the ticket row keeps its current sequence.
 */
@Injectable()
export class OemKanbanService {
  constructor(private readonly dataSource: DataSource) {}

  async board(customer: string | undefined, limit: number): Promise<Kanban> {
    const filter = customer ? ' AND t.customer = ?' : '';
    const params = [...OPEN, ...(customer ? [customer] : [])];
    const columns: Array<{ name: string; first_seq: number; n: number }> = await this.dataSource.query(
      `SELECT s.name, MIN(s.sequence) AS first_seq, COUNT(*) AS n ${CURRENT}${filter} GROUP BY s.name ORDER BY first_seq, s.name`,
      params,
    );
    const cards: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT * FROM (
         SELECT t.id, t.customer, t.external_ref, t.status, t.due_at, t.step_count, s.sequence, s.name, s.status AS step_status, s.node_code,
           ROW_NUMBER() OVER (PARTITION BY s.name ORDER BY CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END, t.due_at, t.id) AS rn
         ${CURRENT}${filter}
       ) x WHERE rn <= ? ORDER BY rn`,
      [...params, limit],
    );
    const now = new Date();
    const byStep = new Map<string, KanbanCard[]>(columns.map((c) => [c.name, []]));
    for (const r of cards) {
      const dueAt = fromDbTime(r.due_at as string | Date | null);
      const sequence = Number(r.sequence);
      const stepStatus = r.step_status as OemStepStatus;
      byStep.get(String(r.name))?.push({
        ticketId: Number(r.id),
        customer: String(r.customer),
        externalRef: String(r.external_ref),
        status: r.status as OemTicketStatus,
        dueAt,
        late: dueAt !== null && dueAt < now,
        currentStep: { sequence, name: String(r.name), status: stepStatus, nodeCode: (r.node_code as string | null) ?? null },
        stepsDone: sequence - 1,
        stepCount: Number(r.step_count),
      });
    }
    return { customer: customer ?? null, generatedAt: now, columns: columns.map((c) => ({ step: c.name, count: Number(c.n), cards: byStep.get(c.name)! })) };
  }
}
