import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { decodeCursor, encodeCursor, pageOf } from '../common/http/cursor.js';
import { present } from '../common/present.js';
import { yieldToEventLoop } from '../common/yield-to-event-loop.js';
import type { Environment } from '../config/environment.js';
import { NodeAssignmentService } from '../production/node-assignment.service.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import type { Assignment, TokenRef } from '../production/production.types.js';
import { AssignmentResolverService, type ResolverContext } from './assignment-resolver.service.js';
import { DirectoryRegistry } from './directory-registry.js';
import { directoryLabel } from './operator-directory.js';
import { ProductionRefsRepository, type JobSummary } from './production-refs.repository.js';
import { assignmentOf, RankingRun, type Candidate } from './ranking.js';

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
  /** This page's tokens, by id (by serial for a simulated spawn). */
  details: ComparedToken[];
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null;
}

/** Which page of a comparison: the tokens after `cursor` (a nextCursor; none: the first page), at most `limit`. */
export interface ComparisonPage {
  cursor?: string;
  limit: number;
}

export const COMPARE_PAGE_LIMIT = { default: 500, max: 2000 };

/** Decisions between two yields: a few milliseconds of ranking. */
const STEP = 500;

/** Token ids counted by one grouped query: a few milliseconds of reading. */
const COUNT_STEP = 2000;

/** The open tokens of a job at one node, as the comparison decides them. */
interface NodeGroup {
  nodeId: number;
  tokens: number;
  firstId: number;
  /** How many of them come before the page. */
  before: number;
  /** Per operator, how many of them are assigned to them: being decided again, they are not their workload. */
  released: Map<number, number>;
}

/**
 * The runbook's "new vs legacy" check: for a job's open tokens (or, before it is spawned, its
 * tokens-to-be at the start node), who the manual plan and the resolver would assign now.
 * Runs the resolver without writing anything.
 *
 * The tokens of a node are decided one after the other, nodes in the order of their first
 * token, so a page's decisions depend on every token before it: each page decides the whole
 * job again, from per-node counts (a grouped query, never the job's rows), in steps that yield
 * to the event loop, and keeps only the page's tokens. The summary comes from the same run, so
 * every page carries the whole job's. A job above ASSIGNMENT_COMPARE_MAX_TOKENS is refused.
 */
@Injectable()
export class AssignmentComparisonService {
  private readonly maxTokens: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly refs: ProductionRefsRepository,
    private readonly resolver: AssignmentResolverService,
    private readonly manual: NodeAssignmentService,
    private readonly directories: DirectoryRegistry,
    config: ConfigService<Environment, true>,
  ) {
    this.maxTokens = config.get('ASSIGNMENT_COMPARE_MAX_TOKENS', { infer: true });
  }

  async compareByCode(jobCode: string, page: ComparisonPage): Promise<Comparison> {
    const jobId = await this.refs.jobIdByCode(jobCode);
    if (jobId === null) throw DomainError.notFound('Job', jobCode);
    return this.compare(jobId, page);
  }

  async compare(jobId: number, page: ComparisonPage): Promise<Comparison> {
    const after = page.cursor === undefined ? 0 : decodeCursor(page.cursor);
    const job = await this.refs.job(undefined, jobId);
    if (!job) throw DomainError.notFound('Job', jobId);
    const at = new Date();
    const { groups, simulated } = await this.groupsOf(job, after);
    const total = groups.reduce((n, g) => n + g.tokens, 0);
    if (total > this.maxTokens)
      throw new DomainError(
        ErrorCode.WorkLimitExceeded,
        `Job ${job.code} has ${total} tokens to compare; a comparison takes at most ${this.maxTokens} (ASSIGNMENT_COMPARE_MAX_TOKENS)`,
        { tokens: total, limit: this.maxTokens, setting: 'ASSIGNMENT_COMPARE_MAX_TOKENS' },
      );
    const { items: tokens, nextCursor } = simulated
      ? simulatedPage(job, groups[0]?.nodeId, after, page.limit)
      : pageOf(await this.refs.openTokensAfter(jobId, after, page.limit + 1), page.limit);

    // where each of the page's tokens stands in its node's sequence of decisions
    const wanted = new Map<number, Map<number, number>>();
    const next = new Map(groups.map((g) => [g.nodeId, g.before]));
    tokens.forEach((t, position) => {
      const index = next.get(t.currentNodeId) ?? 0;
      next.set(t.currentNodeId, index + 1);
      let slots = wanted.get(t.currentNodeId);
      if (!slots) wanted.set(t.currentNodeId, (slots = new Map<number, number>()));
      slots.set(index, position);
    });
    // a token that moved between the two reads is decided at the end of its new node's sequence
    for (const nodeId of next.keys())
      if (!groups.some((g) => g.nodeId === nodeId))
        groups.push({ nodeId, tokens: 0, firstId: Infinity, before: 0, released: new Map<number, number>() });

    const details: ComparedToken[] = new Array<ComparedToken>(tokens.length);
    const tallies: NodeTally[] = [];
    // what earlier nodes' tokens gave each operator, so later nodes see it as workload
    const earlier = new Map<number, number>();
    let sinceYield = 0;
    for (const group of groups) {
      const { nodeId } = group;
      const context = await this.resolver.context(jobId, nodeId, at, undefined, group.released);
      const candidates = context.candidates.map((c) => ({
        ...c,
        workload: c.workload === null ? null : c.workload + (earlier.get(c.operatorId) ?? 0),
      }));
      const manual = await this.manual.manualPlan(jobId, nodeId, this.dataSource.manager);
      const slots = wanted.get(nodeId);
      const length = Math.max(group.tokens, next.get(nodeId) ?? 0);
      const automatic = new Map<Candidate | null, number>();
      const run = new RankingRun(candidates, at);
      for (let i = 0; i < length; i++) {
        const chosen = run.next().at(0) ?? null;
        automatic.set(chosen, (automatic.get(chosen) ?? 0) + 1);
        if (chosen) earlier.set(chosen.operatorId, (earlier.get(chosen.operatorId) ?? 0) + 1);
        const position = slots?.get(i);
        if (position !== undefined) {
          const t = tokens[position];
          details[position] = {
            tokenId: simulated ? null : t.id,
            serial: t.serial,
            nodeId,
            manual,
            automatic: chosen ? assignmentOf(chosen) : UNASSIGNED,
          };
        }
        if (++sinceYield === STEP) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
      }
      tallies.push({ context, manual, tokens: length, automatic });
    }
    return {
      jobId,
      jobCode: job.code,
      at,
      // the directories the contexts were read from (two if the People caches expired in between)
      directory: directoryLabel(
        (await this.directories.current()).source,
        tallies.flatMap((n) => n.context.directory.split('+')),
      ),
      simulatedSpawn: simulated,
      ...summaries(tallies),
      details,
      nextCursor,
    };
  }

  /** The job's open tokens per node, nodes in the order of their first token; a simulated spawn before there are any. */
  private async groupsOf(job: JobSummary, after: number): Promise<{ groups: NodeGroup[]; simulated: boolean }> {
    const byNode = new Map<number, NodeGroup>();
    const ids = await this.refs.tokenIdRange(job.id);
    for (let from = ids?.first ?? 1; ids && from <= ids.last; from += COUNT_STEP) {
      for (const r of await this.refs.openTokenGroups(job.id, from, from + COUNT_STEP - 1, after)) {
        let group = byNode.get(r.nodeId);
        if (!group)
          byNode.set(
            r.nodeId,
            (group = {
              nodeId: r.nodeId,
              tokens: 0,
              firstId: r.firstId,
              before: 0,
              released: new Map<number, number>(),
            }),
          );
        group.tokens += r.tokens;
        group.firstId = Math.min(group.firstId, r.firstId);
        group.before += r.upTo;
        if (r.accountId !== null) group.released.set(r.accountId, (group.released.get(r.accountId) ?? 0) + r.tokens);
      }
      await yieldToEventLoop();
    }
    if (byNode.size === 0 && ['planned', 'released'].includes(job.status)) {
      const start = await this.refs.startNodeId(job.graphId);
      const before = Math.min(after, job.quantity);
      return {
        groups: [{ nodeId: start, tokens: job.quantity, firstId: 1, before, released: new Map() }],
        simulated: true,
      };
    }
    return { groups: [...byNode.values()].sort((a, b) => a.firstId - b.firstId), simulated: false };
  }
}

const UNASSIGNED: Assignment = { accountId: null, teamId: null };

/** A page of a simulated spawn: tokens-to-be numbered from 1, the cursor being the last number seen. */
function simulatedPage(
  job: JobSummary,
  startNodeId: number | undefined,
  after: number,
  limit: number,
): { items: TokenRef[]; nextCursor: string | null } {
  const nodeId = present(startNodeId, `the start node of job ${job.code}`);
  const last = Math.min(after + limit, job.quantity);
  const tokens = Array.from({ length: Math.max(0, last - after) }, (_, i) => ({
    id: after + i + 1,
    serial: `${job.code}#${after + i + 1}`,
    jobId: job.id,
    currentNodeId: nodeId,
    status: TokenStatus.Waiting,
    assignedAccountId: null,
    assignedTeamId: null,
    version: 0,
  }));
  return { items: tokens, nextCursor: last < job.quantity ? encodeCursor(last) : null };
}

/** What one node's tokens got from each method: the manual plan for all, and how often each candidate was chosen. */
interface NodeTally {
  context: ResolverContext;
  manual: Assignment;
  tokens: number;
  automatic: Map<Candidate | null, number>;
}

const same = (a: Assignment, b: Assignment) => a.accountId === b.accountId && a.teamId === b.teamId;

function summaries(
  tallies: readonly NodeTally[],
): Pick<Comparison, 'tokens' | 'eligibleOperators' | 'manual' | 'automatic' | 'differing'> {
  const eligible = new Set(
    tallies.flatMap((n) => n.context.candidates.filter((x) => x.exclusions.length === 0).map((x) => x.operatorId)),
  );
  const manual = tallies.map((n) => ({ assignment: n.manual, context: n.context, count: n.tokens }));
  const automatic = tallies.flatMap((n) =>
    [...n.automatic].map(([chosen, count]) => ({
      assignment: chosen ? assignmentOf(chosen) : UNASSIGNED,
      context: n.context,
      count,
    })),
  );
  // work given to someone who should not have had it is part of the imbalance too
  const given = [...manual, ...automatic]
    .filter((x) => x.count > 0)
    .map((x) => x.assignment.accountId)
    .filter((id): id is number => id !== null);
  const population = new Set([...eligible, ...given]);
  const tokens = tallies.reduce((n, t) => n + t.tokens, 0);
  return {
    tokens,
    eligibleOperators: eligible.size,
    manual: summary(manual, tokens, population),
    automatic: summary(automatic, tokens, population),
    differing: tallies.reduce(
      (n, t) =>
        n + [...t.automatic].reduce((d, [c, k]) => d + (same(c ? assignmentOf(c) : UNASSIGNED, t.manual) ? 0 : k), 0),
      0,
    ),
  };
}

/** One method's figures over `tokens` tokens, from how many of them got each assignment at each node. */
function summary(
  items: Array<{ assignment: Assignment; context: ResolverContext; count: number }>,
  tokens: number,
  population: Set<number>,
): MethodSummary {
  const load = new Map([...population].map((id) => [id, 0]));
  let filled = 0;
  let violations = 0;
  for (const { assignment, context, count } of items) {
    if (count === 0) continue;
    const { accountId, teamId } = assignment;
    if (accountId !== null) {
      filled += count;
      const candidate = context.candidates.find((c) => c.operatorId === accountId);
      if (candidate && candidate.exclusions.length > 0) violations += count;
      load.set(accountId, present(load.get(accountId), `the load of operator ${accountId}`) + count);
      continue;
    }
    if (teamId === null) continue;
    filled += count;
    const team = context.teams.get(teamId);
    if (!team) {
      violations += count;
      continue;
    }
    if (team.exclusions.length > 0 || team.eligibleMembers.length === 0) violations += count;
    for (const member of team.eligibleMembers)
      load.set(
        member,
        present(load.get(member), `the load of operator ${member}`) + count / team.eligibleMembers.length,
      );
  }
  const values = [...load.values()];
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length || 1);
  return {
    fillRate: tokens ? filled / tokens : null,
    filled,
    workloadVariance: Number(variance.toFixed(4)),
    violations,
  };
}
