import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { inTransaction } from '../../database/transaction.js';
import { FlagsService, type FlagChange } from '../flags/flags.service.js';
import type { PhaseDefinition } from '../phase-definition.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import { GUARDRAIL_THRESHOLDS } from './guardrail-thresholds.js';
import { RolloutEvidence } from './rollout-evidence.js';
import type { RolloutAction } from './rollout-event.entity.js';
import { LIVE_STATUSES, type RolloutStatus } from './rollout-plan.entity.js';
import {
  RolloutPlanRepository,
  type PlanChange,
  type RolloutEvent,
  type RolloutPlan,
} from './rollout-plan.repository.js';
import { parseDuration, parseStages, switchesOf, type RolloutStage } from './rollout-stages.js';
import { decideStage, type StageDecision, type StageEvidence } from './stage-decision.js';

export interface PlanRequest {
  phase: number;
  /** The compact syntax: `shadow,station:ST-WELD,10%,50%,100%`. */
  stages: string;
  /** `24h`; the factory's 24 hours when absent. */
  minDuration?: string;
  minSample?: number;
  approval?: boolean;
  reason: string;
  actor: string;
}

export interface RolloutChange extends FlagChange {
  /** Past a closed shadow gate or a breached guardrail: the person takes it on, audited as such. */
  force?: boolean;
}

/** A plan as the status shows it: where it stands and what the guard would decide now. */
export interface RolloutView {
  plan: RolloutPlan;
  evidence: StageEvidence | null;
  decision: StageDecision | null;
  events: RolloutEvent[];
}

/**
 * Rollout plans: a phase switched on stage by stage. A stage is the phase's flags and their
 * targeting rules, set through FlagsService in the same transaction as the plan's own change
 * and its audit event, so a plan never says one stage while the flags say another.
 */
@Injectable()
export class RolloutService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly plans: RolloutPlanRepository,
    private readonly flags: FlagsService,
    private readonly registry: PhaseRegistry,
    private readonly evidence: RolloutEvidence,
  ) {}

  /** Starts a plan at its first stage (409 ROLLOUT_ACTIVE when the phase has a live plan). */
  async plan(request: PlanRequest, now = new Date()): Promise<RolloutView> {
    const def = this.phase(request.phase);
    const minDuration = request.minDuration === undefined ? null : parseDuration(request.minDuration);
    const minSample = request.minSample ?? GUARDRAIL_THRESHOLDS.stage.minSample;
    const parsed = parseStages(
      request.stages,
      {
        minDurationMinutes: minDuration ?? GUARDRAIL_THRESHOLDS.stage.minDurationMinutes,
        minSample,
      },
      def,
    );
    const errors = [...parsed.errors];
    if (minDuration === null && request.minDuration !== undefined)
      errors.push({ field: 'minDuration', messages: ['must be <n>m, <n>h or <n>d'] });
    if (!Number.isInteger(minSample) || minSample < 1)
      errors.push({ field: 'minSample', messages: ['must be a whole number of calls, at least 1'] });
    if (!request.reason.trim()) errors.push({ field: 'reason', messages: ['a reason is required'] });
    if (request.reason.length > REASON_MAX)
      errors.push({ field: 'reason', messages: [`at most ${String(REASON_MAX)} characters`] });
    if (errors.length > 0) throw DomainError.validation(errors);
    const change = { actor: request.actor, reason: request.reason };
    await this.flags.requireSchemas(def.flags.map((f) => f.key));
    const plan = await inTransaction(this.dataSource, async (em) => {
      const created = await this.plans.create(em, {
        phase: def.number,
        stages: parsed.stages,
        requiresApproval: request.approval === true,
        createdBy: request.actor,
        reason: request.reason.trim(),
        now,
      });
      await this.applyStage(em, def, parsed.stages[0], change, created);
      await this.plans.addEvent(em, created, {
        action: 'plan',
        ...change,
        evidence: { stages: parsed.stages },
        at: now,
      });
      return created;
    });
    await this.flags.refresh();
    return this.view(plan.id, now);
  }

  /** Recent plans, newest first. */
  list(limit: number, phase?: number): Promise<RolloutPlan[]> {
    return this.plans.list(limit, phase);
  }

  /** A plan, its events, and for a live one the evidence and what the guard would decide now. */
  async view(id: number, now = new Date()): Promise<RolloutView> {
    const plan = await this.plans.get(id);
    const events = await this.plans.events(id);
    if (!LIVE_STATUSES.includes(plan.status)) return { plan, evidence: null, decision: null, events };
    const [evidence, decision] = await this.judge(plan, now);
    return { plan, evidence, decision, events };
  }

  /** The live plan of a phase (404 without one). */
  async liveOf(phase: number): Promise<RolloutPlan> {
    this.phase(phase);
    const plan = await this.plans.liveOf(phase);
    if (!plan) throw DomainError.notFound('Live rollout of phase', phase);
    return plan;
  }

  /** Live plans: what the guard looks at. */
  live(): Promise<RolloutPlan[]> {
    return this.plans.live();
  }

  refreshFlags(): Promise<void> {
    return this.flags.refresh();
  }

  get(id: number): Promise<RolloutPlan> {
    return this.plans.get(id);
  }

  /**
   * Which of the phase's stored flags no longer says what the plan's stage set (a rollback, an
   * emergency, a flag switched by hand), or null. Targeting rules are not compared: only the
   * switch says whether the phase acts.
   */
  flagsChangedOutside(plan: RolloutPlan): string | null {
    const switches = switchesOf(plan.stages[plan.currentStage]);
    for (const flag of this.phase(plan.phase).flags) {
      const expected = flag.shadow === true ? switches.shadow.enabled : switches.acting.enabled;
      const stored = this.flags.view(flag.key).enabled;
      if (stored !== expected) return `${flag.key} is ${stored ? 'on' : 'off'}`;
    }
    return null;
  }

  /** The evidence of the plan's current stage and the guard's decision on it. */
  async judge(plan: RolloutPlan, now: Date): Promise<[StageEvidence, StageDecision]> {
    const evidence = await this.evidence.of(plan, now);
    const stage = plan.stages[plan.currentStage];
    const isLast = plan.currentStage === plan.stages.length - 1;
    return [evidence, decideStage(stage, evidence, isLast, plan.requiresApproval)];
  }

  /**
   * A person moves the plan on (approving it when it waits for approval). Refused, with nothing
   * changed, while the shadow gate is closed or a guardrail breaches, unless forced with a reason.
   */
  async advance(id: number, change: RolloutChange, now = new Date()): Promise<RolloutView> {
    const plan = await this.plans.get(id);
    requireReason(change);
    if (plan.status !== 'active' && plan.status !== 'awaiting_approval')
      throw invalidState(plan, 'advance', plan.status === 'paused' ? 'resume it first' : 'it has ended');
    const [evidence, decision] = await this.judge(plan, now);
    const blocked = blockingReason(plan.stages[plan.currentStage], decision);
    if (blocked && !change.force)
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `Rollout ${String(plan.id)} cannot advance: ${blocked}; --force with a reason overrides`,
        {
          plan: plan.id,
          blockedBy: blocked,
        },
      );
    const action: RolloutAction = blocked ? 'force' : plan.status === 'awaiting_approval' ? 'approve' : 'advance';
    await this.moveOn(plan, action, change, { evidence, decision }, now);
    return this.view(plan.id, now);
  }

  /** The next stage (or the end of the plan), its flags and the event in one transaction. */
  async moveOn(
    plan: RolloutPlan,
    action: RolloutAction,
    change: FlagChange,
    evidence: unknown,
    now: Date,
  ): Promise<void> {
    const last = plan.currentStage === plan.stages.length - 1;
    if (!last) await this.flags.requireSchemas(this.phase(plan.phase).flags.map((f) => f.key));
    await inTransaction(this.dataSource, async (em) => {
      await this.plans.addEvent(em, plan, { action, ...change, evidence, at: now });
      if (last) {
        const done = await this.plans.update(em, plan, { status: 'completed', now });
        await this.plans.addEvent(em, done, { action: 'complete', ...change, evidence: null, at: now });
        return;
      }
      const moved = await this.plans.update(em, plan, { status: 'active', nextStage: true, now });
      await this.applyStage(em, this.phase(plan.phase), plan.stages[moved.currentStage], change, moved);
    });
    await this.flags.refresh();
  }

  /** Changes the plan's status, with its event and `more` (flag changes) in one transaction. */
  async transition(
    plan: RolloutPlan,
    action: RolloutAction,
    change: FlagChange,
    to: Omit<PlanChange, 'now'>,
    evidence: unknown,
    now: Date,
    more?: (em: EntityManager) => Promise<void>,
  ): Promise<RolloutPlan> {
    const moved = await inTransaction(this.dataSource, async (em) => {
      await more?.(em);
      await this.plans.addEvent(em, plan, { action, ...change, evidence, at: now });
      return this.plans.update(em, plan, { ...to, now });
    });
    if (more) await this.flags.refresh();
    return moved;
  }

  async pause(id: number, change: FlagChange, now = new Date()): Promise<RolloutView> {
    const plan = await this.plans.get(id);
    requireReason(change);
    if (plan.status !== 'active' && plan.status !== 'awaiting_approval')
      throw invalidState(plan, 'pause', 'it is not running');
    await this.transition(plan, 'pause', change, { status: 'paused' }, null, now);
    return this.view(id, now);
  }

  /** Back to active; the stage's window starts again, so the breach it paused on is not judged twice. */
  async resume(id: number, change: FlagChange, now = new Date()): Promise<RolloutView> {
    const plan = await this.plans.get(id);
    requireReason(change);
    if (plan.status !== 'paused') throw invalidState(plan, 'resume', 'it is not paused');
    await this.transition(plan, 'resume', change, { status: 'active', restartStage: true }, null, now);
    return this.view(id, now);
  }

  /** Ends the plan where it stands: the flags stay as the stage set them (roll back to switch them off). */
  async abort(id: number, change: FlagChange, now = new Date()): Promise<RolloutView> {
    const plan = await this.plans.get(id);
    requireReason(change);
    if (!LIVE_STATUSES.includes(plan.status)) throw invalidState(plan, 'abort', 'it has ended');
    await this.transition(plan, 'abort', change, { status: 'aborted' }, null, now);
    return this.view(id, now);
  }

  /** Clears every rule of the phase's flags, in the caller's transaction. */
  async clearRules(em: EntityManager, phase: number, change: FlagChange): Promise<void> {
    for (const flag of this.phase(phase).flags) await this.flags.setRules(flag.key, [], change, em);
  }

  phase(number: number): PhaseDefinition {
    return this.registry.get(number);
  }

  private async applyStage(
    em: EntityManager,
    def: PhaseDefinition,
    stage: RolloutStage,
    change: FlagChange,
    plan: RolloutPlan,
  ): Promise<void> {
    const switches = switchesOf(stage);
    const stageChange = {
      ...change,
      reason: auditReason(`rollout ${String(plan.id)} stage ${String(plan.currentStage + 1)}: ${change.reason}`),
    };
    const acting = def.flags.filter((f) => f.shadow !== true).map((f) => f.key);
    const shadow = def.flags.filter((f) => f.shadow === true).map((f) => f.key);
    // rules first: an acting flag is never on without the rules of its stage
    for (const key of acting) await this.flags.setRules(key, switches.acting.rules, stageChange, em);
    // the callers checked the schemas before their transaction
    if (acting.length) await this.flags.setMany(acting, switches.acting.enabled, stageChange, em, true);
    if (shadow.length) await this.flags.setMany(shadow, switches.shadow.enabled, stageChange, em, true);
  }
}

function requireReason(change: FlagChange): void {
  if (!change.reason.trim()) throw DomainError.validation([{ field: 'reason', messages: ['a reason is required'] }]);
  if (change.reason.length > REASON_MAX)
    throw DomainError.validation([{ field: 'reason', messages: [`at most ${String(REASON_MAX)} characters`] }]);
}

const REASON_MAX = 500;

/** A reason as the audit columns hold it (500 characters), as the rollback's audit rows cut theirs. */
export function auditReason(reason: string): string {
  return reason.slice(0, REASON_MAX);
}

function invalidState(plan: RolloutPlan, what: string, why: string): DomainError {
  return new DomainError(
    ErrorCode.InvalidState,
    `Rollout ${String(plan.id)} of phase ${String(plan.phase)} is ${plan.status}: cannot ${what} (${why})`,
    { plan: plan.id, status: plan.status satisfies RolloutStatus },
  );
}

/** What keeps a person from advancing, or null. */
function blockingReason(stage: RolloutStage, decision: StageDecision): string | null {
  if (decision.action === 'pause' || decision.action === 'rollback') return decision.reason;
  if (stage.kind === 'shadow' && decision.action === 'hold' && decision.results[0]?.verdict !== 'healthy')
    return decision.reason;
  return null;
}
