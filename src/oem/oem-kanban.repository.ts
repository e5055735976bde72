import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fromDbTime } from '../database/dialect.js';
import { OemStepStatus, OemTicketStatus, OPEN_TICKET_STATUSES } from './entities/oem-job-ticket.entity.js';

/** An open ticket at its current step, as the Kanban shows it, with the column it falls in. */
export interface CurrentStepRow {
  /** The step name as the database grouped it. */
  column: string;
  /** Open tickets in the column. */
  columnCount: number;
  ticketId: number;
  customer: string;
  externalRef: string;
  status: OemTicketStatus;
  dueAt: Date | null;
  stepCount: number;
  step: { sequence: number; name: string; status: OemStepStatus; nodeCode: string | null };
}

const CURRENT = `FROM oem_job_ticket t JOIN oem_job_ticket_step s ON s.ticket_id = t.id AND s.sequence = t.current_sequence
  WHERE t.status IN (?, ?)`;

/**
 * The open tickets by current step, in one query whatever the ticket count: the cards
 * (earliest due first, undated last) cut to `limit` per column by ROW_NUMBER, which SQLite
 * 3.25+, MySQL 8 and MariaDB 10.2+ all have, joined to their column's count. A column is
 * what the database grouped: on MySQL the collation makes "Weld" and "weld" one column, on
 * SQLite two. The current step is one join because the ticket row keeps its current sequence.
 */
@Injectable()
export class OemKanbanRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Column by column (in step order), the most urgent `limit` cards of each, most urgent first. */
  async currentSteps(customer: string | undefined, limit: number): Promise<CurrentStepRow[]> {
    const filter = customer ? ' AND t.customer = ?' : '';
    const params = [...OPEN_TICKET_STATUSES, ...(customer ? [customer] : [])];
    // the join on the grouped name compares as GROUP BY did, so each card lands in the column that counted it
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT x.*, c.name AS column_name, c.n, c.first_seq FROM (
         SELECT * FROM (
           SELECT t.id, t.customer, t.external_ref, t.status, t.due_at, t.step_count, s.sequence, s.name, s.status AS step_status, s.node_code,
             ROW_NUMBER() OVER (PARTITION BY s.name ORDER BY CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END, t.due_at, t.id) AS rn
           ${CURRENT}${filter}
         ) ranked WHERE rn <= ?
       ) x JOIN (
         SELECT s.name, MIN(s.sequence) AS first_seq, COUNT(*) AS n ${CURRENT}${filter} GROUP BY s.name
       ) c ON c.name = x.name
       ORDER BY c.first_seq, c.name, x.rn`,
      [...params, limit, ...params],
    );
    return rows.map((r) => ({
      column: String(r.column_name),
      columnCount: Number(r.n),
      ticketId: Number(r.id),
      customer: String(r.customer),
      externalRef: String(r.external_ref),
      status: r.status as OemTicketStatus,
      dueAt: fromDbTime(r.due_at as string | Date | null),
      stepCount: Number(r.step_count),
      step: {
        sequence: Number(r.sequence),
        name: String(r.name),
        status: r.step_status as OemStepStatus,
        nodeCode: (r.node_code as string | null) ?? null,
      },
    }));
  }
}
