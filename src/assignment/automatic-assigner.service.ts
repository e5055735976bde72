import { Injectable, Logger } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { Extends } from '../common/extension/extension-point.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { isMissingTable } from '../database/dialect.js';
import { PhaseFallback } from '../phases/fallback/phase-fallback.service.js';
import { workContext } from '../phases/flags/work-context.js';
import { PhaseTelemetry } from '../phases/telemetry/phase-telemetry.service.js';
import { AUTOMATIC_ASSIGNER, type AutomaticAssigner } from '../production/hooks/assignment-hook.js';
import { NodeAssignmentService } from '../production/node-assignment.service.js';
import type { Assignment, JobRef, NodeRef, TokenRef } from '../production/production.types.js';
import type { LogDraft } from './assignment-log.repository.js';
import { candidateSet, compactRecord, type CandidateSet } from './assignment-log-record.js';
import { AssignmentLogService } from './assignment-log.service.js';
import { AssignmentResolverService, type Contest } from './assignment-resolver.service.js';
import { RUNTIME_FLAG } from './assignment.schema.js';
import { AssignmentMethod } from './entities/assignment-log.entity.js';
import { assignmentOf, rankEach } from './ranking.js';

/**
 * Phase 7's runtime, plugged into the core's AssignmentHook: every spawn and route asks it
 * first, inside the moving transaction. Through PhaseFallback: flag off -> null, so the core's
 * manual plan decides exactly as before Phase 7 and nothing of Phase 7 is touched (its tables
 * may be gone after a schema revert, and rows written between a rollback's backup and its
 * revert would make the guard refuse the revert). Flag on -> one `auto` log row per token; no
 * candidate or any error -> the manual plan, with one `fallback` row per token saying why.
 */
@Injectable()
@Extends(AUTOMATIC_ASSIGNER)
export class AutomaticAssignerService implements AutomaticAssigner {
  readonly name = 'phase7-resolver';
  private readonly logger = new Logger(AutomaticAssignerService.name);
  private readonly decisions: Counter;
  private readonly fallbacks: Counter;
  private readonly latency: Histogram;

  constructor(
    private readonly fallback: PhaseFallback,
    private readonly telemetry: PhaseTelemetry,
    private readonly resolver: AssignmentResolverService,
    private readonly log: AssignmentLogService,
    private readonly manual: NodeAssignmentService,
    metrics: MetricsService,
  ) {
    this.decisions = metrics.counter('assignment_decisions_total', 'Token assignment decisions by method', ['method']);
    this.fallbacks = metrics.counter(
      'assignment_fallbacks_total',
      'Automatic assignments that fell back to the manual plan, by reason',
      ['reason'],
    );
    this.latency = metrics.histogram(
      'assignment_resolver_duration_seconds',
      'Time to resolve the candidates of one spawn or route',
      ['operation'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    );
  }

  async assign(
    tokens: readonly TokenRef[],
    node: NodeRef,
    job: JobRef,
    manager: EntityManager,
  ): Promise<Assignment[] | null> {
    // spawned tokens are already at the node they are assigned at; routed ones still name the node they leave
    const operation = tokens[0]?.currentNodeId === node.id ? 'assign_on_spawn' : 'assign_on_route';
    const call: Call = { tokens, node, job, at: new Date(), started: performance.now() };
    let contest: Contest | undefined;
    let decided: Decided | undefined;
    const result = await this.fallback.run<Assignment[] | null>({
      flag: RUNTIME_FLAG,
      operation,
      context: workContext(tokens, node, job),
      newPath: async () => {
        contest = await this.resolver.contest(job.id, node.id, call.at, manager, tokens);
        decided = decide(contest, tokens.length, call.at);
        this.telemetry.signal(7, decided.assignments ? 'candidates_found' : 'no_candidate');
        this.latency.observe({ operation }, (performance.now() - call.started) / 1000);
        if (!decided.assignments) return PhaseFallback.decline('no_candidate');
        await this.log.append(
          manager,
          drafts(call, decided.candidates, AssignmentMethod.Auto, null, contest.directory, decided.assignments),
          [decided.set],
        );
        this.resolver.assigned(decided.assignments, call.at);
        this.decisions.inc({ method: AssignmentMethod.Auto }, tokens.length);
        return decided.assignments;
      },
      legacy: async () => null,
    });
    if (result.path === 'new') return result.value;
    // the candidates as the new path ranked them, when it got that far
    if (result.path === 'fallback')
      await this.logFallback(call, contest?.directory, decided, result.fallbackReason ?? 'unknown', manager);
    return null;
  }

  /**
   * A failed spawn's decisions go with its tokens, whatever the flag is now: they were written
   * while it was on. With the schema reverted there is nothing left to remove.
   */
  async forget(tokenIds: readonly number[], manager: EntityManager): Promise<void> {
    try {
      await this.log.forgetTokens(manager, tokenIds);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
    }
  }

  /**
   * The manual plan decides (the core applies it when we return null); the log says so. Best
   * effort: a broken log must not stop production, which is the point of falling back.
   */
  private async logFallback(
    call: Call,
    directory: string | undefined,
    decided: Decided | undefined,
    reason: string,
    manager: EntityManager,
  ): Promise<void> {
    const noCandidate = reason === 'no_candidate';
    this.fallbacks.inc({ reason: noCandidate ? 'no_candidate' : 'error' }, call.tokens.length);
    this.decisions.inc({ method: AssignmentMethod.Fallback }, call.tokens.length);
    try {
      const planned = await this.manual.manualPlan(call.job.id, call.node.id, manager);
      const why = noCandidate ? 'no_candidate' : `error: ${reason}`;
      const logged = decided?.candidates ?? call.tokens.map(() => '[]');
      await this.log.append(
        manager,
        drafts(
          call,
          logged,
          AssignmentMethod.Fallback,
          why,
          directory ?? 'unknown',
          call.tokens.map(() => planned),
        ),
        decided ? [decided.set] : [],
      );
    } catch (error) {
      this.logger.warn({
        msg: 'assignment_log_write_failed',
        jobId: call.job.id,
        nodeId: call.node.id,
        tokens: call.tokens.length,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

interface Call {
  tokens: readonly TokenRef[];
  node: NodeRef;
  job: JobRef;
  at: Date;
  started: number;
}

/**
 * Each token's choice (null when nobody is eligible) and its candidates as they stood for it,
 * serialised for the log: the contenders' standing per token, the rest in the shared set.
 */
interface Decided {
  assignments: Assignment[] | null;
  set: CandidateSet;
  candidates: string[];
}

function decide(contest: Contest, count: number, at: Date): Decided {
  const assignments: Assignment[] = [];
  const candidates: string[] = [];
  const set = candidateSet(contest.contenders, contest.others);
  // only the contenders can be chosen, so only their order changes from one token to the next
  rankEach(contest.contenders, count, at, (_, ranked) => {
    if (ranked[0]) assignments.push(assignmentOf(ranked[0]));
    candidates.push(compactRecord(set, ranked, at));
  });
  // the same operators are eligible for every token of a call: all get someone or none does
  return { assignments: assignments.length === count ? assignments : null, set, candidates };
}

function drafts(
  call: Call,
  candidates: string[],
  method: AssignmentMethod,
  reason: string | null,
  directory: string,
  chosen: Assignment[],
): LogDraft[] {
  // the call's decision time, shared by the tokens it decided
  const durationUs = Math.round(((performance.now() - call.started) * 1000) / call.tokens.length);
  return call.tokens.map((t, i) => ({
    tokenId: t.id,
    jobId: call.job.id,
    nodeId: call.node.id,
    accountId: chosen[i].accountId,
    teamId: chosen[i].teamId,
    method,
    reason,
    candidatesJson: candidates[i],
    directory,
    decidedAt: call.at,
    durationUs,
  }));
}
