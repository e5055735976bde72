import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AccountsService } from './accounts.service.js';
import { AssignmentPlanJob, AssignmentPlanNode } from './entities/assignment-plan.entity.js';
import { GraphNode } from './entities/production-graph.entity.js';
import { JobTicket } from './entities/job-ticket.entity.js';
import type { Assignment } from './production.types.js';
import { inTransaction } from '../database/transaction.js';

/** Who a plan names: exactly one of an operator or a team, by code. */
export interface PlanTarget {
  operatorCode?: string;
  teamCode?: string;
}

/**
 * The manual assignment plans a supervisor keeps: one entry per node, and per job a
 * node-level override. Setting a plan replaces what was there.
 */
@Injectable()
export class AssignmentPlansService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsService,
  ) {}

  async setNodePlan(nodeId: number, target: PlanTarget): Promise<AssignmentPlanNode> {
    return inTransaction(this.dataSource, async (em) => {
      await this.node(em, nodeId);
      const assignment = await this.resolve(em, target);
      const repo = em.getRepository(AssignmentPlanNode);
      await repo.delete({ nodeId });
      return repo.save(repo.create({ nodeId, ...assignment, createdAt: new Date() }));
    });
  }

  async nodePlan(nodeId: number): Promise<AssignmentPlanNode | null> {
    await this.node(this.dataSource.manager, nodeId);
    return this.dataSource.getRepository(AssignmentPlanNode).findOne({ where: { nodeId }, order: { id: 'ASC' } });
  }

  async clearNodePlan(nodeId: number): Promise<void> {
    await inTransaction(this.dataSource, async (em) => {
      await this.node(em, nodeId);
      await em.getRepository(AssignmentPlanNode).delete({ nodeId });
    });
  }

  async setJobOverride(jobId: number, nodeId: number, target: PlanTarget): Promise<AssignmentPlanJob> {
    return inTransaction(this.dataSource, async (em) => {
      const job = await em.getRepository(JobTicket).findOneBy({ id: jobId });
      if (!job) throw DomainError.notFound('Job', jobId);
      const node = await this.node(em, nodeId);
      if (node.graphId !== job.graphId) {
        throw new DomainError(ErrorCode.InvalidState, `Node ${node.code} is not in job ${job.code}'s graph`, { jobId, nodeId });
      }
      const assignment = await this.resolve(em, target);
      const repo = em.getRepository(AssignmentPlanJob);
      await repo.delete({ jobId, nodeId });
      return repo.save(repo.create({ jobId, nodeId, ...assignment, createdAt: new Date() }));
    });
  }

  async jobOverrides(jobId: number): Promise<AssignmentPlanJob[]> {
    if (!(await this.dataSource.getRepository(JobTicket).existsBy({ id: jobId }))) throw DomainError.notFound('Job', jobId);
    return this.dataSource.getRepository(AssignmentPlanJob).find({ where: { jobId }, order: { nodeId: 'ASC', id: 'ASC' } });
  }

  async clearJobOverride(jobId: number, nodeId: number): Promise<void> {
    await inTransaction(this.dataSource, async (em) => {
      const removed = await em.getRepository(AssignmentPlanJob).delete({ jobId, nodeId });
      if (!removed.affected) throw DomainError.notFound('Job override', `${jobId}/${nodeId}`);
    });
  }

  private async node(em: EntityManager, nodeId: number): Promise<GraphNode> {
    const node = await em.getRepository(GraphNode).findOneBy({ id: nodeId });
    if (!node) throw DomainError.notFound('Node', nodeId);
    return node;
  }

  private async resolve(em: EntityManager, target: PlanTarget): Promise<Assignment> {
    if (target.operatorCode && target.teamCode) throw DomainError.validation([{ field: 'teamCode', messages: ['give exactly one of operatorCode and teamCode'] }]);
    if (target.operatorCode) return { accountId: await this.accounts.operatorId(em, target.operatorCode), teamId: null };
    if (target.teamCode) return { accountId: null, teamId: await this.accounts.teamId(em, target.teamCode) };
    throw DomainError.validation([{ field: 'operatorCode', messages: ['give exactly one of operatorCode and teamCode'] }]);
  }
}
