import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { dialectOf, insertChunkRows, toDbTime } from '../database/dialect.js';
import type { PlanEntryDto } from './dto/plan.dto.js';
import type { Tier } from './ranking.js';

type Row = Record<string, unknown>;

/** A plan entry to write: an operator or a team, with its priority. */
export interface PlanDraft {
  accountId: number | null;
  teamId: number | null;
  priority: number;
}

/** A plan entry as the resolver reads it: exactly one of accountId and teamId is set. */
export interface PlanEntry {
  tier: Tier;
  accountId: number | null;
  teamId: number | null;
  priority: number | null;
}

/** The node plans (assignment_plan_node) and job plans (assignment_plan_job), with Phase 7's `priority`. */
@Injectable()
export class PlanRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Replaces the node's plan; rows are written in the order given, which the ids keep. */
  async replaceNodePlan(em: EntityManager, nodeId: number, drafts: readonly PlanDraft[]): Promise<void> {
    await em.query(`DELETE FROM assignment_plan_node WHERE node_id = ?`, [nodeId]);
    await insert(em, 'assignment_plan_node', ['node_id'], [nodeId], drafts);
  }

  /** Replaces the job's plan for one node; rows are written in the order given, which the ids keep. */
  async replaceJobPlan(em: EntityManager, jobId: number, nodeId: number, drafts: readonly PlanDraft[]): Promise<void> {
    await em.query(`DELETE FROM assignment_plan_job WHERE job_id = ? AND node_id = ?`, [jobId, nodeId]);
    await insert(em, 'assignment_plan_job', ['job_id', 'node_id'], [jobId, nodeId], drafts);
  }

  async nodePlan(nodeId: number): Promise<PlanEntryDto[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT id, node_id, account_id, team_id, priority FROM assignment_plan_node WHERE node_id = ? ORDER BY id`,
      [nodeId],
    );
    return rows.map(toDto);
  }

  /** Every node's entries of the job, by node, each in plan order. */
  async jobPlan(jobId: number): Promise<PlanEntryDto[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT id, job_id, node_id, account_id, team_id, priority FROM assignment_plan_job WHERE job_id = ? ORDER BY node_id, id`,
      [jobId],
    );
    return rows.map(toDto);
  }

  /** The node of the oldest node plan entry; null when no node has a plan. */
  async firstPlannedNodeId(): Promise<number | null> {
    const plan = (
      await this.dataSource.query<Array<{ node_id: number }>>(
        `SELECT node_id FROM assignment_plan_node ORDER BY id LIMIT 1`,
      )
    ).at(0);
    return plan ? plan.node_id : null;
  }

  /**
   * Job entries before node entries, each in plan order, on the caller's transaction when given;
   * entries naming nobody are left out. `priority` is null on plans written before Phase 7.
   */
  async entriesAt(db: EntityManager | undefined, jobId: number, nodeId: number): Promise<PlanEntry[]> {
    const rows: Row[] = await (db ?? this.dataSource).query(
      `SELECT 0 AS tier, id, account_id, team_id, priority FROM assignment_plan_job WHERE job_id = ? AND node_id = ?
       UNION ALL
       SELECT 1 AS tier, id, account_id, team_id, priority FROM assignment_plan_node WHERE node_id = ?
       ORDER BY tier, id`,
      [jobId, nodeId, nodeId],
    );
    return rows
      .filter((r) => r.account_id !== null || r.team_id !== null)
      .map((r) => ({
        tier: Number(r.tier) === 0 ? 'job' : 'node',
        accountId: r.account_id === null ? null : Number(r.account_id),
        teamId: r.account_id === null ? Number(r.team_id) : null,
        priority: r.priority === null ? null : Number(r.priority),
      }));
  }
}

async function insert(
  em: EntityManager,
  table: string,
  keys: string[],
  keyValues: number[],
  drafts: readonly PlanDraft[],
): Promise<void> {
  const columns = [...keys, 'account_id', 'team_id', 'priority', 'created_at'];
  const now = toDbTime(new Date());
  const chunk = insertChunkRows(dialectOf(em), columns.length);
  for (let i = 0; i < drafts.length; i += chunk) {
    const part = drafts.slice(i, i + chunk);
    await em.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${part.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
      part.flatMap((r) => [...keyValues, r.accountId, r.teamId, r.priority, now]),
    );
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
