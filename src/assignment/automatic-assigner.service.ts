import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { PhaseFallback } from '../phases/fallback/phase-fallback.service.js';
import { AssignmentHook, type AutomaticAssigner } from '../production/hooks/assignment-hook.js';
import { NodeAssignmentService } from '../production/node-assignment.service.js';
import type { Assignment, JobRef, NodeRef, TokenRef } from '../production/production.types.js';
import { AssignmentLogService, loggedCandidates, type LogDraft } from './assignment-log.service.js';
import { AssignmentResolverService, type ResolverContext } from './assignment-resolver.service.js';
import { RUNTIME_FLAG } from './assignment.schema.js';
import { AssignmentMethod } from './entities/assignment-log.entity.js';
import { assignmentOf, decideAll, type Decision } from './ranking.js';

/**
 * Phase 7's runtime, plugged into the core's AssignmentHook: every spawn and route asks it
 * first, inside the moving transaction. Through PhaseFallback: flag off -> null, so the core's
 * manual plan decides exactly as before Phase 7 and nothing of Phase 7 is touched (its tables
 * may be gone after a schema revert, and rows written between a rollback's backup and its
 * revert would make the guard refuse the revert). Flag on -> one `auto` log row per token; no
 * candidate or any error -> the manual plan, with one `fallback` row per token saying why.
 */
@Injectable()
export class AutomaticAssignerService implements AutomaticAssigner, OnModuleInit, OnModuleDestroy {
  readonly name = 'phase7-resolver';
  private readonly logger = new Logger(AutomaticAssignerService.name);
  private readonly decisions: Counter<string>;
  private readonly fallbacks: Counter<string>;
  private readonly latency: Histogram<string>;

  constructor(
    private readonly hook: AssignmentHook,
    private readonly fallback: PhaseFallback,
    private readonly resolver: AssignmentResolverService,
    private readonly log: AssignmentLogService,
    private readonly manual: NodeAssignmentService,
    metrics: MetricsService,
  ) {
    this.decisions = metrics.counter('assignment_decisions_total', 'Token assignment decisions by method', ['method']);
    this.fallbacks = metrics.counter('assignment_fallbacks_total', 'Automatic assignments that fell back to the manual plan, by reason', ['reason']);
    this.latency = metrics.histogram('assignment_resolver_duration_seconds', 'Time to resolve the candidates of one spawn or route', ['operation'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]);
  }

  onModuleInit(): void {
    this.hook.register(this);
  }

  onModuleDestroy(): void {
    this.hook.unregister(this);
  }

  async assign(tokens: readonly TokenRef[], node: NodeRef, job: JobRef, manager: EntityManager): Promise<Assignment[] | null> {
    // spawned tokens are already at the node they are assigned at; routed ones still name the node they leave
    const operation = tokens[0]?.currentNodeId === node.id ? 'assign_on_spawn' : 'assign_on_route';
    const at = new Date();
    const started = performance.now();
    let context: ResolverContext | undefined;
    const result = await this.fallback.run<Assignment[] | null>({
      phase: 7,
      flag: RUNTIME_FLAG,
      operation,
      newPath: async () => {
        context = await this.resolver.context(job.id, node.id, at, manager, tokens);
        const decisions = decideAll(context.candidates, tokens.length, at);
        this.latency.observe({ operation }, (performance.now() - started) / 1000);
        if (!decisions[0].chosen) return PhaseFallback.decline('no_candidate');
        await this.log.append(manager, this.drafts(tokens, node, job, at, started, decisions, AssignmentMethod.Auto, null, context.directory));
        this.decisions.inc({ method: AssignmentMethod.Auto }, tokens.length);
        return decisions.map((d) => assignmentOf(d.chosen!));
      },
      legacy: async () => null,
    });
    if (result.path === 'new') return result.value;
    if (result.path === 'fallback') await this.logFallback(tokens, node, job, at, started, context, result.fallbackReason ?? 'unknown', manager);
    return null;
  }

  /**
   * The manual plan decides (the core applies it when we return null); the log says so. Best
   * effort: a broken log must not stop production, which is the point of falling back.
   */
  private async logFallback(
    tokens: readonly TokenRef[],
    node: NodeRef,
    job: JobRef,
    at: Date,
    started: number,
    context: ResolverContext | undefined,
    reason: string,
    manager: EntityManager,
  ): Promise<void> {
    const why = reason === 'no_candidate' ? 'no_candidate' : `error: ${reason}`;
    this.fallbacks.inc({ reason: reason === 'no_candidate' ? 'no_candidate' : 'error' }, tokens.length);
    this.decisions.inc({ method: AssignmentMethod.Fallback }, tokens.length);
    try {
      const planned = await this.manual.manualPlan(job.id, node.id, manager);
      const decisions: Decision[] = context ? decideAll(context.candidates, tokens.length, at) : tokens.map(() => ({ chosen: null, candidates: [] }));
      const drafts = this.drafts(tokens, node, job, at, started, decisions, AssignmentMethod.Fallback, why, context?.directory ?? 'unknown', planned);
      await this.log.append(manager, drafts);
    } catch (error) {
      this.logger.warn({ msg: 'assignment_log_write_failed', jobId: job.id, nodeId: node.id, tokens: tokens.length, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private drafts(
    tokens: readonly TokenRef[],
    node: NodeRef,
    job: JobRef,
    at: Date,
    started: number,
    decisions: Decision[],
    method: AssignmentMethod,
    reason: string | null,
    directory: string,
    planned?: Assignment,
  ): LogDraft[] {
    // the call's decision time, shared by the tokens it decided
    const durationUs = Math.round(((performance.now() - started) * 1000) / tokens.length);
    return tokens.map((t, i) => {
      const chosen = planned ?? (decisions[i].chosen ? assignmentOf(decisions[i].chosen!) : { accountId: null, teamId: null });
      return {
        tokenId: t.id,
        jobId: job.id,
        nodeId: node.id,
        accountId: chosen.accountId,
        teamId: chosen.teamId,
        method,
        reason,
        candidates: loggedCandidates(decisions[i].candidates),
        directory,
        decidedAt: at,
        durationUs,
      };
    });
  }
}
