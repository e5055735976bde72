import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AccountsService } from '../production/accounts.service.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import type { PlanEntryDto, PlanEntryInputDto } from './dto/plan.dto.js';
import { inTransaction } from '../database/transaction.js';
import { PlanRepository, type PlanDraft } from './plan.repository.js';
import { ProductionRefsRepository } from './production-refs.repository.js';

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
    private readonly plans: PlanRepository,
    private readonly refs: ProductionRefsRepository,
  ) {}

  async setNodePlan(nodeId: number, entries: PlanEntryInputDto[]): Promise<PlanEntryDto[]> {
    await inTransaction(this.dataSource, async (em) => {
      await this.graphOf(em, nodeId);
      await this.plans.replaceNodePlan(em, nodeId, await this.resolve(em, entries));
    });
    this.resolver.invalidate();
    return this.nodePlan(nodeId);
  }

  async nodePlan(nodeId: number): Promise<PlanEntryDto[]> {
    await this.graphOf(undefined, nodeId);
    return this.plans.nodePlan(nodeId);
  }

  async setJobPlan(jobId: number, nodeId: number, entries: PlanEntryInputDto[]): Promise<PlanEntryDto[]> {
    await inTransaction(this.dataSource, async (em) => {
      const job = await this.refs.job(em, jobId);
      if (!job) throw DomainError.notFound('Job', jobId);
      if ((await this.graphOf(em, nodeId)) !== job.graphId) {
        throw new DomainError(ErrorCode.InvalidState, `Node ${nodeId} is not in job ${job.code}'s graph`, {
          jobId,
          nodeId,
        });
      }
      await this.plans.replaceJobPlan(em, jobId, nodeId, await this.resolve(em, entries));
    });
    this.resolver.invalidate();
    return (await this.jobPlan(jobId)).filter((e) => e.nodeId === nodeId);
  }

  async jobPlan(jobId: number): Promise<PlanEntryDto[]> {
    if (!(await this.refs.job(undefined, jobId))) throw DomainError.notFound('Job', jobId);
    return this.plans.jobPlan(jobId);
  }

  private async graphOf(em: EntityManager | undefined, nodeId: number): Promise<number> {
    const graphId = await this.refs.graphOfNode(em, nodeId);
    if (graphId === null) throw DomainError.notFound('Node', nodeId);
    return graphId;
  }

  /** Codes to ids, best priority first (stable), refusing an operator or team named twice. */
  private async resolve(em: EntityManager, entries: PlanEntryInputDto[]): Promise<PlanDraft[]> {
    const seen = new Set<string>();
    const rows: PlanDraft[] = [];
    for (const [i, e] of entries.entries()) {
      if ((e.operatorCode === undefined) === (e.teamCode === undefined)) {
        throw DomainError.validation([
          { field: `entries.${i}.operatorCode`, messages: ['give exactly one of operatorCode and teamCode'] },
        ]);
      }
      const key = e.operatorCode !== undefined ? `operator ${e.operatorCode}` : `team ${e.teamCode}`;
      if (seen.has(key))
        throw DomainError.validation([{ field: `entries.${i}`, messages: [`${key} is already in the plan`] }]);
      seen.add(key);
      rows.push({
        accountId: e.operatorCode !== undefined ? await this.accounts.operatorId(em, e.operatorCode) : null,
        teamId: e.teamCode !== undefined ? await this.accounts.teamId(em, e.teamCode) : null,
        priority: e.priority,
      });
    }
    return rows.sort((a, b) => a.priority - b.priority);
  }
}
