import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AccountsService } from './accounts.service.js';
import { AssignmentPlanRepository } from './assignment-plan.repository.js';
import type { AssignmentPlanJob, AssignmentPlanNode } from './entities/assignment-plan.entity.js';
import type { GraphNode } from './entities/production-graph.entity.js';
import { GraphRepository } from './graph.repository.js';
import { JobRepository } from './job.repository.js';
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
    private readonly plans: AssignmentPlanRepository,
    private readonly graphs: GraphRepository,
    private readonly jobs: JobRepository,
    private readonly accounts: AccountsService,
  ) {}

  async setNodePlan(nodeId: number, target: PlanTarget): Promise<AssignmentPlanNode> {
    return inTransaction(this.dataSource, async (em) => {
      await this.node(nodeId, em);
      return this.plans.replaceNodePlan(em, nodeId, await this.resolve(em, target), new Date());
    });
  }

  async nodePlan(nodeId: number): Promise<AssignmentPlanNode | null> {
    await this.node(nodeId);
    return this.plans.nodePlan(nodeId);
  }

  async clearNodePlan(nodeId: number): Promise<void> {
    await inTransaction(this.dataSource, async (em) => {
      await this.node(nodeId, em);
      await this.plans.deleteNodePlan(em, nodeId);
    });
  }

  async setJobOverride(jobId: number, nodeId: number, target: PlanTarget): Promise<AssignmentPlanJob> {
    return inTransaction(this.dataSource, async (em) => {
      const job = await this.jobs.find(jobId, em);
      if (!job) throw DomainError.notFound('Job', jobId);
      const node = await this.node(nodeId, em);
      if (node.graphId !== job.graphId) {
        throw new DomainError(ErrorCode.InvalidState, `Node ${node.code} is not in job ${job.code}'s graph`, {
          jobId,
          nodeId,
        });
      }
      return this.plans.replaceJobOverride(em, jobId, nodeId, await this.resolve(em, target), new Date());
    });
  }

  async jobOverrides(jobId: number): Promise<AssignmentPlanJob[]> {
    if (!(await this.jobs.find(jobId))) throw DomainError.notFound('Job', jobId);
    return this.plans.jobOverrides(jobId);
  }

  async clearJobOverride(jobId: number, nodeId: number): Promise<void> {
    await inTransaction(this.dataSource, async (em) => {
      if (!(await this.plans.deleteJobOverride(em, jobId, nodeId)))
        throw DomainError.notFound('Job override', `${jobId}/${nodeId}`);
    });
  }

  private async node(nodeId: number, em?: EntityManager): Promise<GraphNode> {
    const node = await this.graphs.node(nodeId, em);
    if (!node) throw DomainError.notFound('Node', nodeId);
    return node;
  }

  private async resolve(em: EntityManager, target: PlanTarget): Promise<Assignment> {
    if (target.operatorCode && target.teamCode)
      throw DomainError.validation([
        { field: 'teamCode', messages: ['give exactly one of operatorCode and teamCode'] },
      ]);
    if (target.operatorCode)
      return { accountId: await this.accounts.operatorId(em, target.operatorCode), teamId: null };
    if (target.teamCode) return { accountId: null, teamId: await this.accounts.teamId(em, target.teamCode) };
    throw DomainError.validation([
      { field: 'operatorCode', messages: ['give exactly one of operatorCode and teamCode'] },
    ]);
  }
}
