import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AssignmentPlanRepository } from './assignment-plan.repository.js';
import { NodeKind } from './entities/production-graph.entity.js';
import { AssignmentHook } from './hooks/assignment-hook.js';
import { UNASSIGNED, type Assignment, type JobRef, type NodeRef, type TokenRef } from './production.types.js';

export interface AssignmentDecision {
  assignments: Assignment[];
  /** `auto` when a registered assigner decided, `manual` when the plans did. */
  path: 'auto' | 'manual';
}

/**
 * Decides who works on tokens arriving at a node. A registered automatic assigner (Phase 7)
 * goes first; when there is none or it declines, the manual plan decides: the job's override
 * for the node, else the node's plan, else unassigned. Nobody is assigned at an end node.
 */
@Injectable()
export class NodeAssignmentService {
  constructor(
    private readonly hook: AssignmentHook,
    private readonly plans: AssignmentPlanRepository,
  ) {}

  async assign(
    tokens: readonly TokenRef[],
    node: NodeRef,
    job: JobRef,
    manager: EntityManager,
  ): Promise<AssignmentDecision> {
    if (node.kind === NodeKind.End) return { assignments: tokens.map(() => UNASSIGNED), path: 'manual' };
    const automatic = await this.hook.assign(tokens, node, job, manager);
    if (automatic) return { assignments: automatic, path: 'auto' };
    const planned = await this.manualPlan(job.id, node.id, manager);
    return { assignments: tokens.map(() => planned), path: 'manual' };
  }

  /** Drops what the automatic assigner recorded for tokens removed before anyone saw them. */
  forget(tokenIds: readonly number[], manager: EntityManager): Promise<void> {
    return this.hook.forget(tokenIds, manager);
  }

  /** The manual plan for one node of one job: its override, else the node's plan, else unassigned. */
  async manualPlan(jobId: number, nodeId: number, manager: EntityManager): Promise<Assignment> {
    return (await this.plans.planFor(manager, jobId, nodeId)) ?? UNASSIGNED;
  }
}
