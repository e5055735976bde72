import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { yieldToEventLoop } from '../../common/yield-to-event-loop.js';
import { Environment } from '../../config/environment.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { JobCounts, JobRunContext } from '../phase-definition.js';
import { RollbackNotifier } from '../rollback/rollback-notifier.js';
import { RollbackService } from '../rollback/rollback.service.js';
import { pauseNotice } from './rollout-notice.js';
import type { RolloutPlan } from './rollout-plan.repository.js';
import { auditReason, RolloutService } from './rollout.service.js';
import type { StageAction } from './stage-decision.js';

export const ROLLOUT_GUARD_JOB = 'rollout-guard';
/** The guard's name in every log, audit and notice it writes. */
export const GUARD_ACTOR = 'guard';

/**
 * The core job that judges every active rollout plan once per tick (the job lease makes it one
 * replica's tick): a healthy stage that met its minimums advances (or waits for approval), a
 * breach pauses the plan with a notice or rolls the phase back. A rollback is the rollback
 * service's flags-only rollback of the phase (actor and method `guard`, reason `guardrail: ...`),
 * logged and notified like any other, followed by the phase's rules cleared. Nothing here
 * touches a schema.
 */
@Injectable()
export class RolloutGuard implements OnModuleInit {
  private readonly logger = new Logger(RolloutGuard.name);
  private readonly cron: string;

  constructor(
    private readonly rollouts: RolloutService,
    private readonly rollbacks: RollbackService,
    private readonly notifier: RollbackNotifier,
    private readonly jobs: JobsService,
    config: ConfigService<Environment, true>,
  ) {
    this.cron = config.get('ROLLOUT_GUARD_CRON', { infer: true });
  }

  onModuleInit(): void {
    this.jobs.addCoreJob({
      name: ROLLOUT_GUARD_JOB,
      description: 'Judges every active rollout plan: advances, pauses or rolls back',
      cron: this.cron,
      run: (context) => this.run(context),
    });
  }

  /**
   * One pass over the live plans; counts what it did, by action. A paused plan, or one waiting
   * for approval, still acts through its stage's flags: it is judged too, and only rolled back.
   */
  async run({ signal }: Pick<JobRunContext, 'signal'>, now = new Date()): Promise<JobCounts> {
    const counts: JobCounts = {};
    // the stored flags as they are now, not as this replica last polled them: a plan is ended on them
    await this.rollouts.refreshFlags();
    for (const plan of await this.rollouts.live()) {
      if (signal.aborted) break;
      const action = await this.judge(plan, now).catch((error: unknown) => {
        // one plan's trouble (a rollback lease held elsewhere, a concurrent change) waits for the next tick
        this.logger.warn({ msg: 'rollout guard could not act', plan: plan.id, error: String(error) });
        return 'failed' as const;
      });
      counts[action] = (counts[action] ?? 0) + 1;
      await yieldToEventLoop();
    }
    return counts;
  }

  private async judge(plan: RolloutPlan, now: Date): Promise<StageAction | 'ended'> {
    const changed = this.rollouts.flagsChangedOutside(plan);
    if (changed) {
      // a rollback (an emergency, a person's), or a flag set by hand: the guard must not switch the phase back on
      const reason = `the phase's flags were changed outside the plan (${changed}): the plan ends; plan again to roll out`;
      await this.rollouts.transition(plan, 'abort', { actor: GUARD_ACTOR, reason }, { status: 'aborted' }, null, now);
      return 'ended';
    }
    const [evidence, decision] = await this.rollouts.judge(plan, now);
    if (plan.status !== 'active' && decision.action !== 'rollback') return 'hold';
    const recorded = { evidence, results: decision.results };
    const change = { actor: GUARD_ACTOR, reason: auditReason(decision.reason) };
    switch (decision.action) {
      case 'hold':
        break;
      case 'advance':
      case 'complete':
        await this.rollouts.moveOn(plan, 'advance', change, recorded, now);
        break;
      case 'await-approval':
        await this.rollouts.transition(plan, 'await-approval', change, { status: 'awaiting_approval' }, recorded, now);
        break;
      case 'pause': {
        await this.rollouts.transition(plan, 'pause', change, { status: 'paused' }, recorded, now);
        const title = this.rollouts.phase(plan.phase).title;
        await this.notifier.notifyPause(pauseNotice(plan, title, decision.reason, now, this.notifier.noticeContact));
        break;
      }
      case 'rollback': {
        const record = await this.rollbacks.rollback({
          phase: plan.phase,
          reason: decision.reason,
          actor: GUARD_ACTOR,
          method: 'guard',
        });
        // the rollback has happened: the plan ends with it even if a person changed the plan meanwhile
        const end = (current: RolloutPlan) =>
          this.rollouts.transition(
            current,
            'rollback',
            change,
            { status: 'rolled_back' },
            { ...recorded, rollback: record.id },
            now,
            (em) => this.rollouts.clearRules(em, plan.phase, change),
          );
        await end(plan).catch(async (error: unknown) => {
          if (!(error instanceof DomainError && error.code === ErrorCode.ConcurrentUpdate)) throw error;
          await end(await this.rollouts.get(plan.id));
        });
        break;
      }
    }
    return decision.action;
  }
}
