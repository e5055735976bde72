import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { present } from '../common/present.js';
import type { Environment } from '../config/environment.js';
import type { Assignment, NodeRef, TokenRef } from '../production/production.types.js';
import { DirectoryRegistry } from './directory-registry.js';
import { directoryLabel, type DirectoryRead, type OperatorDirectory } from './operator-directory.js';
import { PlanRepository, type PlanEntry } from './plan.repository.js';
import { releasedBy, WorkloadBoard } from './workload-board.js';
import { WorkloadRepository } from './workload.repository.js';
import { compareCandidates, decideAll, type Candidate, type Decision, type Exclusion } from './ranking.js';

/** Everything the ranking needs for one node of one job at one moment. */
export interface ResolverContext {
  jobId: number;
  nodeId: number;
  at: Date;
  directory: string;
  candidates: Candidate[];
  /** Each planned team's exclusions (empty when available) and eligible members, for comparisons. */
  teams: Map<number, { exclusions: Exclusion[]; eligibleMembers: number[] }>;
}

export interface Resolution extends Decision {
  at: Date;
  directory: string;
}

/**
 * What the runtime ranks for one spawn or route: only the contenders' standing changes from
 * one decision to the next, so the rest comes ready-made.
 */
export interface Contest {
  directory: string;
  /** Eligible at the best tier and priority, the only ones who can win, with their standing. */
  contenders: Candidate[];
  /**
   * Everyone else in the order they rank behind the contenders (eligible by tier, priority
   * and id, their workload not read; then the excluded). The same array for every call the
   * cached eligibility answers, so its serialisation can be kept with it.
   */
  others: readonly Candidate[];
}

/** Who is a candidate and who is excluded: everything but workload. */
interface Eligibility {
  directory: string;
  candidates: Candidate[];
  teams: ResolverContext['teams'];
  contenders: Candidate[];
  others: readonly Candidate[];
  expiresAt: number;
}

/** Bounds the per-replica cache; entries are few (one per job and node being worked on) and short-lived. */
const MAX_CACHED = 2000;

/**
 * Who should work on tokens arriving at a node: the plan entries of the job for that node,
 * then of the node, teams expanded to their members, each operator checked against the
 * directory (active, availability window, leave, team availability) and ranked (see
 * ranking.ts). A fixed number of queries per call, whatever the number of tokens or
 * candidates: plans, teams, operators, their unavailability, the teams' unavailability,
 * workloads. It never writes.
 *
 * The runtime asks through `contest`: who is eligible at a node, and the contenders' standing
 * (see WorkloadBoard), are then reused for ASSIGNMENT_CACHE_TTL_MS, like the flag snapshot's
 * bound, so most spawns and routes query nothing here. Writes through this module (plans,
 * availability, leave) clear both at once on this replica; other changes (operators, teams,
 * other replicas' decisions, tokens finishing) show within the bound. Preview and comparison
 * always read afresh.
 */
@Injectable()
export class AssignmentResolverService {
  private readonly cache = new Map<string, Eligibility>();
  private readonly ttlMs: number;
  private readonly board: WorkloadBoard;

  constructor(
    private readonly plans: PlanRepository,
    workloads: WorkloadRepository,
    private readonly directories: DirectoryRegistry,
    config: ConfigService<Environment, true>,
  ) {
    this.ttlMs = config.get('ASSIGNMENT_CACHE_TTL_MS', { infer: true });
    this.board = new WorkloadBoard(workloads, this.ttlMs);
  }

  /** The ranked candidates for one token at `node` (its current node or where it is routed to); its own assignment is not workload. */
  async resolve(token: TokenRef, node: NodeRef, at: Date, db?: EntityManager): Promise<Resolution> {
    const context = await this.context(token.jobId, node.id, at, db, releasedBy([token]));
    return { ...decideAll(context.candidates, 1, at)[0], at, directory: context.directory };
  }

  /**
   * The candidates for a job's tokens at a node, read afresh. `released` counts, per operator,
   * their open tokens being decided again (a route, a preview or a comparison; see
   * releasedBy): that work does not count as their workload.
   */
  async context(
    jobId: number,
    nodeId: number,
    at: Date,
    db?: EntityManager,
    released: ReadonlyMap<number, number> = new Map(),
  ): Promise<ResolverContext> {
    const eligibility = await this.eligibility(await this.directories.current(db), jobId, nodeId, at, db);
    const load = await this.board.standing(db, ids(eligibility.contenders), released, at.getTime(), true);
    return {
      jobId,
      nodeId,
      at,
      directory: eligibility.directory,
      candidates: eligibility.candidates.map((c) => ({ ...c, ...load.get(c.operatorId) })),
      teams: eligibility.teams,
    };
  }

  /**
   * The runtime's question, asked on every spawn and route: who is eligible, and the
   * contenders' standing, are reused for ASSIGNMENT_CACHE_TTL_MS; what has to be read is read
   * in the caller's transaction. Report the outcome with `assigned`.
   */
  async contest(
    jobId: number,
    nodeId: number,
    at: Date,
    db: EntityManager,
    reassigning: readonly TokenRef[],
  ): Promise<Contest> {
    const directory = await this.directories.current(db);
    const key = `${directory.source}:${jobId}:${nodeId}`;
    let eligibility = this.cache.get(key);
    if (!eligibility || eligibility.expiresAt <= at.getTime()) {
      eligibility = await this.eligibility(directory, jobId, nodeId, at, db);
      if (this.ttlMs > 0) this.remember(key, eligibility);
    }
    const load = await this.board.standing(db, ids(eligibility.contenders), releasedBy(reassigning), at.getTime());
    return {
      directory: eligibility.directory,
      contenders: eligibility.contenders.map((c) => ({ ...c, ...load.get(c.operatorId) })),
      others: eligibility.others,
    };
  }

  /** The runtime made these assignments at `at`: later contests count them at once. */
  assigned(assignments: readonly Assignment[], at: Date): void {
    this.board.assigned(assignments, at);
  }

  /** Forget what was read: called after this module changes plans, availability or leave. */
  invalidate(): void {
    this.cache.clear();
    this.board.clear();
  }

  private remember(key: string, eligibility: Eligibility): void {
    if (this.cache.size >= MAX_CACHED) {
      const now = Date.now();
      for (const [k, e] of this.cache) if (e.expiresAt <= now) this.cache.delete(k);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
    }
    this.cache.set(key, eligibility);
  }

  private async eligibility(
    directory: OperatorDirectory,
    jobId: number,
    nodeId: number,
    at: Date,
    db?: EntityManager,
  ): Promise<Eligibility> {
    const entries = await this.plans.entriesAt(db, jobId, nodeId);
    const teamIds = unique(entries.flatMap((e) => (e.teamId === null ? [] : [e.teamId])));
    const answeredBy = new Set<string>();
    const read: DirectoryRead = { db, answeredBy };
    const teams = await directory.teams(teamIds, read);
    const membersOf = (e: PlanEntry): number[] =>
      e.accountId !== null ? [e.accountId] : e.teamId !== null ? (teams.get(e.teamId)?.memberAccountIds ?? []) : [];
    const accountIds = unique(entries.flatMap(membersOf));
    // one after the other: a transaction's connection runs one query at a time anyway
    const operators = await directory.operators(accountIds, read);
    const unavailable = await directory.operatorUnavailability(accountIds, at, read);
    const teamsUnavailable = await directory.teamUnavailability(teamIds, at, read);

    const teamState = new Map<number, { exclusions: Exclusion[]; eligibleMembers: number[] }>();
    for (const teamId of teamIds) {
      const team = teams.get(teamId);
      const exclusions: Exclusion[] = !team
        ? [{ reason: 'not_in_directory', detail: `team ${teamId}` }]
        : team.active
          ? (teamsUnavailable.get(teamId) ?? []).map((u) => ({ reason: 'team_unavailable' as const, detail: u.detail }))
          : [{ reason: 'team_unavailable', detail: 'team inactive' }];
      teamState.set(teamId, { exclusions, eligibleMembers: [] });
    }
    const operatorExclusions = (accountId: number): Exclusion[] => {
      const operator = operators.get(accountId);
      if (!operator) return [{ reason: 'not_in_directory' }];
      return [...(operator.active ? [] : [{ reason: 'inactive' as const }]), ...(unavailable.get(accountId) ?? [])];
    };

    // an operator named several times keeps their best eligible entry (or, if none is, their best one)
    const best = new Map<number, Candidate>();
    for (const entry of entries) {
      const team =
        entry.teamId === null ? null : present(teamState.get(entry.teamId), `the state of team ${entry.teamId}`);
      for (const operatorId of membersOf(entry)) {
        const exclusions = [...operatorExclusions(operatorId), ...(team ? team.exclusions : [])];
        if (team && exclusions.length === 0) team.eligibleMembers.push(operatorId);
        const candidate: Candidate = {
          operatorId,
          teamId: entry.teamId,
          tier: entry.tier,
          priority: entry.priority,
          workload: null,
          lastAssignedAt: null,
          exclusions,
        };
        const kept = best.get(operatorId);
        if (!kept || (kept.exclusions.length > 0 && exclusions.length === 0)) best.set(operatorId, candidate);
      }
    }
    const candidates = [...best.values()];
    const eligible = candidates.filter((c) => c.exclusions.length === 0).sort(compareCandidates);
    // priority outranks workload, so only the best eligible tier and priority can win
    const top = eligible.at(0);
    const contenders = top ? eligible.filter((c) => c.tier === top.tier && c.priority === top.priority) : [];
    const others = [...eligible.slice(contenders.length), ...candidates.filter((c) => c.exclusions.length > 0)];
    return {
      directory: directoryLabel(directory.source, answeredBy),
      candidates,
      teams: teamState,
      contenders,
      others,
      expiresAt: at.getTime() + this.ttlMs,
    };
  }
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)];
}

const ids = (candidates: readonly Candidate[]) => candidates.map((c) => c.operatorId);
