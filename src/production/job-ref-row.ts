import { fromDbTime } from '../database/dialect.js';
import type { JobStatus } from './entities/job-ticket.entity.js';
import type { JobRef } from './production.types.js';

/** job_ticket's JobRef columns as a query selects them (JOB_REF_COLUMNS). */
export interface JobRefRow {
  id: number;
  code: string;
  graph_id: number;
  product_code: string;
  quantity: number;
  priority: number;
  status: JobStatus;
  due_at: string | Date | null;
}

export const JOB_REF_COLUMNS = 'id, code, graph_id, product_code, quantity, priority, status, due_at';

export function toJobRef(row: JobRefRow): JobRef {
  return {
    id: row.id,
    code: row.code,
    graphId: row.graph_id,
    productCode: row.product_code,
    quantity: row.quantity,
    priority: row.priority,
    status: row.status,
    dueAt: fromDbTime(row.due_at),
  };
}
