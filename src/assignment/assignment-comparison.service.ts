import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { present } from '../common/present.js';
import { NodeAssignmentService } from '../production/node-assignment.service.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { Assignment, TokenRef } from '../production/production.types.js';
import { AssignmentResolverService, type ResolverContext } from './assignment-resolver.service.js';
import { DirectoryRegistry } from './directory-registry.js';
import { directoryLabel } from './operator-directory.js';
import { ProductionRefsRepository, type JobSummary } from './production-refs.repository.js';
import { assignmentOf, decideAll } from './ranking.js';

export interface MethodSummary {
  /** Share of tokens given an operator or a team; null for no tokens. */
  fillRate: number | null;
  filled: number;
  /**
   * Population variance of this comparison's tokens per operator, over every eligible operator
   * and everyone either method gave a token (a team's token counts 1/n for each of its n eligible members).
   */
  workloadVariance: number;
  /** Tokens given to an operator who is inactive, on leave or off shift at the time, or to an unavailable team. */
  violations: number;
}

export interface ComparedToken {
  tokenId: number | null;
  serial: string;
  nodeId: number;
  manual: Assignment;
  automatic: Assignment;
}

export interface Comparison {
  jobId: number;
  jobCode: string;
  at: Date;
  directory: string;
  /** True when the job has no open tokens yet and its spawn was simulated at the start node. */
  simulatedSpawn: boolean;
  tokens: number;
  eligibleOperators: number;
  manual: MethodSummary;
  automatic: MethodSummary;
  /** Tokens the two methods give to someone different. */
  differing: number;
  details: ComparedToken[];
}

/**
 * The runbook's "new vs legacy" check: for a job's open tokens (or, before it is spawned, its
 * tokens-to-be at the start node), who the manual plan and the resolver would assign now.
 * Runs the resolver without writing anything.
 */
@Injectable()
export class AssignmentComparisonService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly refs: ProductionRefsRepository,
    private readonly resolver: AssignmentResolverService,
    private readonly manual: NodeAssignmentService,
    private readonly directories: DirectoryRegistry,
  ) {}

  async compareByCode(jobCode: string): Promise<Comparison> {
    const jobId = await this.refs.jobIdByCode(jobCode);
    if (jobId === null) throw DomainError.notFound('Job', jobCode);
    return this.compare(jobId);
  }

  async compare(jobId: number): Promise<Comparison> {
    const job = await this.refs.job(undefined, jobId);
    if (!job) throw DomainError.notFound('Job', jobId);
    const at = new Date();
    const { tokens, simulated } = await this.tokensOf(job);
    const byNode = new Map<number, TokenRef[]>();
    for (const t of tokens) {
      let group = byNode.get(t.currentNodeId);
      if (!group) byNode.set(t.currentNodeId, (group = []));
      group.push(t);
    }

    const details: ComparedToken[] = [];
    const contexts = new Map<number, ResolverContext>();
    // what earlier nodes' tokens gave each operator, so later nodes see it as workload
    const earlier = new Map<number, number>();
    for (const [nodeId, group] of byNode) {
      const context = await this.resolver.context(jobId, nodeId, at, undefined, group);
      contexts.set(nodeId, context);
      const candidates = context.candidates.map((c) => ({
        ...c,
        workload: c.workload === null ? null : c.workload + (earlier.get(c.operatorId) ?? 0),
      }));
      const decisions = decideAll(candidates, group.length, at);
      const manual = await this.manual.manualPlan(jobId, nodeId, this.dataSource.manager);
      group.forEach((t, i) => {
        const chosen = decisions[i].chosen;
        if (chosen) earlier.set(chosen.operatorId, (earlier.get(chosen.operatorId) ?? 0) + 1);
        details.push({
          tokenId: simulated ? null : t.id,
          serial: t.serial,
          nodeId,
          manual,
          automatic: chosen ? assignmentOf(chosen) : { accountId: null, teamId: null },
        });
      });
    }

    const eligible = new Set(
      [...contexts.values()].flatMap((c) =>
        c.candidates.filter((x) => x.exclusions.length === 0).map((x) => x.operatorId),
      ),
    );
    // work given to someone who should not have had it is part of the imbalance too
    const given = details
      .flatMap((d) => [d.manual.accountId, d.automatic.accountId])
      .filter((id): id is number => id !== null);
    const population = new Set([...eligible, ...given]);
    const summarize = (pick: (d: ComparedToken) => Assignment): MethodSummary =>
      summary(
        details.map((d) => ({
          assignment: pick(d),
          context: present(contexts.get(d.nodeId), `the context of node ${d.nodeId}`),
        })),
        population,
      );
    return {
      jobId,
      jobCode: job.code,
      at,
      // the directories the contexts were read from (two if the People caches expired in between)
      directory: directoryLabel(
        (await this.directories.current()).source,
        [...contexts.values()].flatMap((c) => c.directory.split('+')),
      ),
      simulatedSpawn: simulated,
      tokens: details.length,
      eligibleOperators: eligible.size,
      manual: summarize((d) => d.manual),
      automatic: summarize((d) => d.automatic),
      differing: details.filter(
        (d) => d.manual.accountId !== d.automatic.accountId || d.manual.teamId !== d.automatic.teamId,
      ).length,
      details,
    };
  }

  private async tokensOf(job: JobSummary): Promise<{ tokens: TokenRef[]; simulated: boolean }> {
    const tokens = await this.refs.openTokens(job.id);
    if (tokens.length > 0 || !['planned', 'released'].includes(job.status)) return { tokens, simulated: false };
    const start = await this.refs.startNodeId(job.graphId);
    const spawn = Array.from({ length: job.quantity }, (_, i) => ({
      id: 0,
      serial: `${job.code}#${i + 1}`,
      jobId: job.id,
      currentNodeId: start,
      status: TokenStatus.Waiting,
      assignedAccountId: null,
      assignedTeamId: null,
      version: 0,
    }));
    return { tokens: spawn, simulated: true };
  }
}

function summary(
  items: Array<{ assignment: Assignment; context: ResolverContext }>,
  population: Set<number>,
): MethodSummary {
  const load = new Map([...population].map((id) => [id, 0]));
  let filled = 0;
  let violations = 0;
  for (const { assignment, context } of items) {
    const { accountId, teamId } = assignment;
    if (accountId !== null) {
      filled++;
      const candidate = context.candidates.find((c) => c.operatorId === accountId);
      if (candidate && candidate.exclusions.length > 0) violations++;
      load.set(accountId, present(load.get(accountId), `the load of operator ${accountId}`) + 1);
      continue;
    }
    if (teamId === null) continue;
    filled++;
    const team = context.teams.get(teamId);
    if (!team) {
      violations++;
      continue;
    }
    if (team.exclusions.length > 0 || team.eligibleMembers.length === 0) violations++;
    for (const member of team.eligibleMembers)
      load.set(member, present(load.get(member), `the load of operator ${member}`) + 1 / team.eligibleMembers.length);
  }
  const values = [...load.values()];
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length || 1);
  return {
    fillRate: items.length ? filled / items.length : null,
    filled,
    workloadVariance: Number(variance.toFixed(4)),
    violations,
  };
}
