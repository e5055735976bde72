import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { dialectOf, insertChunkRows, toDbTime } from '../database/dialect.js';
import { AccountsService } from '../production/accounts.service.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import type { PlanEntryDto, PlanEntryInputDto } from './dto/plan.dto.js';
import { inTransaction } from '../database/transaction.js';

type Row = Record<string, unknown>;

/**
 * Plans with priorities: several entries per node, and per job per node, each an operator
 * or a team. The rows are the core's plan rows plus Phase 7's `priority`; they are written
 * best priority first, so the manual plan (the lowest id) is the top entry when Phase 7 is off.
 */
@Injectable()
export class PlanPrioritiesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsService,
    private readonly resolver: AssignmentResolverService,
  ) {}

  async setNodePlan(nodeId: number, entries: PlanEntryInputDto[]): Promise<PlanEntryDto[]> {
    await inTransaction(this.dataSource, async (em) => {
      await this.graphOf(em, nodeId);
      const rows = await this.resolve(em, entries);
      await em.query(`DELETE FROM assignment_plan_node WHERE node_id = ?`, [nodeId]);
      await this.insert(em, 'assignment_plan_node', ['node_id'], [nodeId], rows);
    });
    this.resolver.invalidate();
    return this.nodePlan(nodeId);
  }

  async nodePlan(nodeId: number): Promise<PlanEntryDto[]> {
    await this.graphOf(this.dataSource.manager, nodeId);
    const rows: Row[] = await this.dataSource.query(`SELECT id, node_id, account_id, team_id, priority FROM assignment_plan_node WHERE node_id = ? ORDER BY id`, [nodeId]);
    return rows.map(toDto);
  }

  async setJobPlan(jobId: number, nodeId: number, entries: PlanEntryInputDto[]): Promise<PlanEntryDto[]> {
    await inTransaction(this.dataSource, async (em) => {
      const [job] = await em.query(`SELECT code, graph_id FROM job_ticket WHERE id = ?`, [jobId]);
      if (!job) throw DomainError.notFound('Job', jobId);
      if ((await this.graphOf(em, nodeId)) !== Number(job.graph_id)) {
        throw new DomainError(ErrorCode.InvalidState, `Node ${nodeId} is not in job ${job.code}'s graph`, { jobId, nodeId });
      }
      const rows = await this.resolve(em, entries);
      await em.query(`DELETE FROM assignment_plan_job WHERE job_id = ? AND node_id = ?`, [jobId, nodeId]);
      await this.insert(em, 'assignment_plan_job', ['job_id', 'node_id'], [jobId, nodeId], rows);
    });
    this.resolver.invalidate();
    return (await this.jobPlan(jobId)).filter((e) => e.nodeId === nodeId);
  }

  async jobPlan(jobId: number): Promise<PlanEntryDto[]> {
    if ((await this.dataSource.query(`SELECT id FROM job_ticket WHERE id = ?`, [jobId])).length === 0) throw DomainError.notFound('Job', jobId);
    const rows: Row[] = await this.dataSource.query(`SELECT id, job_id, node_id, account_id, team_id, priority FROM assignment_plan_job WHERE job_id = ? ORDER BY node_id, id`, [jobId]);
    return rows.map(toDto);
  }

  private async graphOf(em: EntityManager, nodeId: number): Promise<number> {
    const [node] = await em.query(`SELECT graph_id FROM graph_node WHERE id = ?`, [nodeId]);
    if (!node) throw DomainError.notFound('Node', nodeId);
    return Number(node.graph_id);
  }

  /** Codes to ids, best priority first (stable), refusing an operator or team named twice. */
  private async resolve(em: EntityManager, entries: PlanEntryInputDto[]): Promise<Array<{ accountId: number | null; teamId: number | null; priority: number }>> {
    const seen = new Set<string>();
    const rows = [];
    for (const [i, e] of entries.entries()) {
      if ((e.operatorCode === undefined) === (e.teamCode === undefined)) {
        throw DomainError.validation([{ field: `entries.${i}.operatorCode`, messages: ['give exactly one of operatorCode and teamCode'] }]);
      }
      const key = e.operatorCode !== undefined ? `operator ${e.operatorCode}` : `team ${e.teamCode}`;
      if (seen.has(key)) throw DomainError.validation([{ field: `entries.${i}`, messages: [`${key} is already in the plan`] }]);
      seen.add(key);
      rows.push({
        accountId: e.operatorCode !== undefined ? await this.accounts.operatorId(em, e.operatorCode) : null,
        teamId: e.teamCode !== undefined ? await this.accounts.teamId(em, e.teamCode) : null,
        priority: e.priority,
      });
    }
    return rows.sort((a, b) => a.priority - b.priority);
  }

  private async insert(em: EntityManager, table: string, keys: string[], keyValues: number[], rows: Array<{ accountId: number | null; teamId: number | null; priority: number }>): Promise<void> {
    const columns = [...keys, 'account_id', 'team_id', 'priority', 'created_at'];
    const now = toDbTime(new Date());
    const chunk = insertChunkRows(dialectOf(em), columns.length);
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      await em.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${part.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
        part.flatMap((r) => [...keyValues, r.accountId, r.teamId, r.priority, now]),
      );
    }
  }
}

function toDto(r: Row): PlanEntryDto {
  const id = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: Number(r.id),
    nodeId: Number(r.node_id),
    ...(r.job_id !== undefined ? { jobId: Number(r.job_id) } : {}),
    operatorId: id(r.account_id),
    teamId: id(r.team_id),
    priority: id(r.priority),
  };
}
