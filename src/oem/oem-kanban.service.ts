import { Injectable } from '@nestjs/common';
import type { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';
import { OemKanbanRepository } from './oem-kanban.repository.js';

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

/** The open tickets by current step, a column per step name (see OemKanbanRepository for what makes a column). */
@Injectable()
export class OemKanbanService {
  constructor(private readonly repository: OemKanbanRepository) {}

  async board(customer: string | undefined, limit: number): Promise<Kanban> {
    const rows = await this.repository.currentSteps(customer, limit);
    const now = new Date();
    const columns: Kanban['columns'] = [];
    for (const r of rows) {
      let column = columns.at(-1);
      if (column?.step !== r.column) columns.push((column = { step: r.column, count: r.columnCount, cards: [] }));
      column.cards.push({
        ticketId: r.ticketId,
        customer: r.customer,
        externalRef: r.externalRef,
        status: r.status,
        dueAt: r.dueAt,
        late: r.dueAt !== null && r.dueAt < now,
        currentStep: r.step,
        stepsDone: r.step.sequence - 1,
        stepCount: r.stepCount,
      });
    }
    return { customer: customer ?? null, generatedAt: now, columns };
  }
}
