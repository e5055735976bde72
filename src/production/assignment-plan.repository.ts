import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AssignmentPlanJob, AssignmentPlanNode } from './entities/assignment-plan.entity.js';
import type { Assignment } from './production.types.js';

/** The manual plans: one per node (assignment_plan_node) and per job a node override (assignment_plan_job). */
@Injectable()
export class AssignmentPlanRepository {
  constructor(private readonly dataSource: DataSource) {}

  async replaceNodePlan(
    em: EntityManager,
    nodeId: number,
    assignment: Assignment,
    now: Date,
  ): Promise<AssignmentPlanNode> {
    const repo = em.getRepository(AssignmentPlanNode);
    await repo.delete({ nodeId });
    return repo.save(repo.create({ nodeId, ...assignment, createdAt: now }));
  }

  nodePlan(nodeId: number): Promise<AssignmentPlanNode | null> {
    return this.dataSource.getRepository(AssignmentPlanNode).findOne({ where: { nodeId }, order: { id: 'ASC' } });
  }

  async deleteNodePlan(em: EntityManager, nodeId: number): Promise<void> {
    await em.getRepository(AssignmentPlanNode).delete({ nodeId });
  }

  async replaceJobOverride(
    em: EntityManager,
    jobId: number,
    nodeId: number,
    assignment: Assignment,
    now: Date,
  ): Promise<AssignmentPlanJob> {
    const repo = em.getRepository(AssignmentPlanJob);
    await repo.delete({ jobId, nodeId });
    return repo.save(repo.create({ jobId, nodeId, ...assignment, createdAt: now }));
  }

  jobOverrides(jobId: number): Promise<AssignmentPlanJob[]> {
    return this.dataSource
      .getRepository(AssignmentPlanJob)
      .find({ where: { jobId }, order: { nodeId: 'ASC', id: 'ASC' } });
  }

  /** False when there was no such override. */
  async deleteJobOverride(em: EntityManager, jobId: number, nodeId: number): Promise<boolean> {
    return Boolean((await em.getRepository(AssignmentPlanJob).delete({ jobId, nodeId })).affected);
  }

  /** The job's override for the node, else the node's plan, else null: a single indexed query. */
  async planFor(manager: EntityManager, jobId: number, nodeId: number): Promise<Assignment | null> {
    const row = (
      await manager.query<Array<{ account_id: number | null; team_id: number | null }>>(
        `SELECT account_id, team_id FROM (
         SELECT 0 AS source, id, account_id, team_id FROM assignment_plan_job WHERE job_id = ? AND node_id = ?
         UNION ALL
         SELECT 1 AS source, id, account_id, team_id FROM assignment_plan_node WHERE node_id = ?
       ) plans ORDER BY source, id LIMIT 1`,
        [jobId, nodeId, nodeId],
      )
    ).at(0);
    if (!row) return null;
    return { accountId: row.account_id, teamId: row.team_id };
  }
}
