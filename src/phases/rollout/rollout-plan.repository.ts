import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, Not } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { isUniqueViolation } from '../../database/dialect.js';
import { RolloutEventRow, type RolloutAction } from './rollout-event.entity.js';
import { LIVE_STATUSES, RolloutPlanRow, type RolloutStatus } from './rollout-plan.entity.js';
import type { RolloutStage } from './rollout-stages.js';

/** A plan with its stages parsed. */
export type RolloutPlan = Omit<RolloutPlanRow, 'stages'> & { stages: RolloutStage[] };

export interface NewPlan {
  phase: number;
  stages: RolloutStage[];
  requiresApproval: boolean;
  createdBy: string;
  reason: string;
  now: Date;
}

/** What a change moves; the rest of the plan stays. */
export interface PlanChange {
  status?: RolloutStatus;
  /** The next stage starts now: the current one becomes the previous. */
  nextStage?: boolean;
  /** The current stage's window starts again now (a resume: the breach it paused on is not judged twice). */
  restartStage?: boolean;
  now: Date;
}

export interface NewEvent {
  action: RolloutAction;
  actor: string;
  reason: string;
  evidence: unknown;
  at: Date;
}

export type RolloutEvent = Omit<RolloutEventRow, 'evidence'> & { evidence: unknown };

const parsePlan = ({ stages, ...row }: RolloutPlanRow): RolloutPlan => ({
  ...row,
  stages: JSON.parse(stages) as RolloutStage[],
});

/** rollout_plan and rollout_event. Writes take the caller's manager: a plan moves with its flags. */
@Injectable()
export class RolloutPlanRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts a live plan; a live plan of the same phase answers 409 ROLLOUT_ACTIVE. */
  async create(manager: EntityManager, plan: NewPlan): Promise<RolloutPlan> {
    const row = manager.getRepository(RolloutPlanRow).create({
      phase: plan.phase,
      activePhase: plan.phase,
      stages: JSON.stringify(plan.stages),
      currentStage: 0,
      stageStartedAt: plan.now,
      previousStageStartedAt: null,
      status: 'active',
      requiresApproval: plan.requiresApproval,
      createdBy: plan.createdBy,
      reason: plan.reason,
      createdAt: plan.now,
      updatedAt: plan.now,
      version: 1,
    });
    try {
      return parsePlan(await manager.getRepository(RolloutPlanRow).save(row));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new DomainError(ErrorCode.RolloutActive, `Phase ${String(plan.phase)} already has a rollout in progress`, {
        phase: plan.phase,
      });
    }
  }

  async get(id: number, manager?: EntityManager): Promise<RolloutPlan> {
    const row = await (manager ?? this.dataSource.manager).getRepository(RolloutPlanRow).findOneBy({ id });
    if (!row) throw DomainError.notFound('Rollout plan', id);
    return parsePlan(row);
  }

  /** The live plan of a phase, if any. */
  async liveOf(phase: number, manager?: EntityManager): Promise<RolloutPlan | null> {
    const row = await (manager ?? this.dataSource.manager)
      .getRepository(RolloutPlanRow)
      .findOneBy({ activePhase: phase });
    return row ? parsePlan(row) : null;
  }

  /** Every live plan, by phase. */
  async live(): Promise<RolloutPlan[]> {
    const rows = await this.dataSource.getRepository(RolloutPlanRow).find({
      where: { activePhase: Not(IsNull()), status: In([...LIVE_STATUSES]) },
      order: { phase: 'ASC' },
    });
    return rows.map(parsePlan);
  }

  /** Newest first; of one phase when given. */
  async list(limit: number, phase?: number): Promise<RolloutPlan[]> {
    const rows = await this.dataSource
      .getRepository(RolloutPlanRow)
      .find({ where: phase === undefined ? {} : { phase }, order: { id: 'DESC' }, take: limit });
    return rows.map(parsePlan);
  }

  /**
   * Applies `change` if the plan is still at `version` (409 CONCURRENT_UPDATE otherwise: another
   * replica or person moved it first). A plan that ends frees its phase.
   */
  async update(manager: EntityManager, plan: RolloutPlan, change: PlanChange): Promise<RolloutPlan> {
    const status = change.status ?? plan.status;
    const values = {
      status,
      activePhase: LIVE_STATUSES.includes(status) ? plan.phase : null,
      currentStage: change.nextStage ? plan.currentStage + 1 : plan.currentStage,
      stageStartedAt: change.nextStage || change.restartStage ? change.now : plan.stageStartedAt,
      previousStageStartedAt: change.nextStage ? plan.stageStartedAt : plan.previousStageStartedAt,
      updatedAt: change.now,
      version: plan.version + 1,
    };
    const result = await manager.getRepository(RolloutPlanRow).update({ id: plan.id, version: plan.version }, values);
    if (!result.affected)
      throw new DomainError(
        ErrorCode.ConcurrentUpdate,
        `Rollout plan ${String(plan.id)} was changed meanwhile: read it again`,
        {
          plan: plan.id,
        },
      );
    return { ...plan, ...values };
  }

  async addEvent(manager: EntityManager, plan: RolloutPlan, event: NewEvent): Promise<void> {
    await manager.getRepository(RolloutEventRow).insert({
      planId: plan.id,
      phase: plan.phase,
      stage: plan.currentStage,
      action: event.action,
      actor: event.actor,
      reason: event.reason.slice(0, 1000),
      evidence: JSON.stringify(event.evidence ?? null),
      at: event.at,
    });
  }

  /** A plan's events, oldest first. */
  async events(planId: number): Promise<RolloutEvent[]> {
    const rows = await this.dataSource.getRepository(RolloutEventRow).find({ where: { planId }, order: { id: 'ASC' } });
    return rows.map(({ evidence, ...row }) => ({ ...row, evidence: JSON.parse(evidence) as unknown }));
  }
}
