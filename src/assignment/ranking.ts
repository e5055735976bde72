import type { Assignment } from '../production/production.types.js';

export type Tier = 'job' | 'node';

export interface Exclusion {
  reason: 'inactive' | 'outside_availability_window' | 'on_leave' | 'team_unavailable' | 'not_in_directory';
  detail?: string;
}

/** One operator the plans name, directly or through a team, with what ranks them. */
export interface Candidate {
  operatorId: number;
  /** The team through which the operator is a candidate (null when named directly). */
  teamId: number | null;
  tier: Tier;
  priority: number | null;
  /**
   * Tokens waiting or in progress assigned to the operator. Read only for the candidates
   * that can win (eligible, best tier and priority): null for the others.
   */
  workload: number | null;
  /** Epoch ms of their latest automatic assignment; null when never. */
  lastAssignedAt: number | null;
  /** Empty when eligible. */
  exclusions: Exclusion[];
}

export interface RankedCandidate extends Candidate {
  /** 1-based among eligible candidates; null when excluded. */
  rank: number | null;
}

export interface Decision {
  chosen: RankedCandidate | null;
  /** Eligible candidates best first, then the excluded ones. */
  candidates: RankedCandidate[];
}

const TIER_ORDER: Record<Tier, number> = { job: 0, node: 1 };

/**
 * The ranking: the job's plan before the node's, then plan priority (lower first, unset
 * last), then workload, then least recently assigned (never first), then operator id, so
 * equal inputs always give the same answer.
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    TIER_ORDER[a.tier] - TIER_ORDER[b.tier] ||
    (a.priority ?? Infinity) - (b.priority ?? Infinity) ||
    (a.workload ?? 0) - (b.workload ?? 0) ||
    (a.lastAssignedAt ?? -Infinity) - (b.lastAssignedAt ?? -Infinity) ||
    a.operatorId - b.operatorId
  );
}

/**
 * Tokens arriving together, decided one after the other: each choice adds one to the chosen
 * operator's workload and makes them the most recently assigned, so a spawn of many tokens
 * spreads over equally ranked operators. Kept as an object so a long run (a comparison of a
 * whole job) can be decided in steps, yielding between them. The caller's candidates are not changed.
 */
export class RankingRun {
  private readonly eligible: Candidate[];
  private decided = 0;

  constructor(
    candidates: readonly Candidate[],
    private readonly at: Date,
  ) {
    this.eligible = candidates.filter((c) => c.exclusions.length === 0).map((c) => ({ ...c }));
  }

  /**
   * The eligible candidates best first as they stand for the next token, the first of them
   * chosen. Read them before the next call: it counts that choice and ranks again.
   */
  next(): readonly Candidate[] {
    const eligible = this.eligible;
    const previous = this.decided > 0 ? eligible.at(0) : undefined;
    if (previous) {
      previous.workload = (previous.workload ?? 0) + 1;
      // later tokens of the same batch count as assigned later, in order
      previous.lastAssignedAt = this.at.getTime() + (this.decided - 1) / 1000;
    }
    this.decided++;
    eligible.sort(compareCandidates);
    return eligible;
  }
}

/**
 * Decides `count` tokens arriving together (see RankingRun). `visit` sees the eligible
 * candidates best first as they stand for token `i` (read them before returning: they change
 * for the next token).
 */
export function rankEach(
  candidates: readonly Candidate[],
  count: number,
  at: Date,
  visit: (i: number, ranked: readonly Candidate[]) => void,
): void {
  const run = new RankingRun(candidates, at);
  for (let i = 0; i < count; i++) visit(i, run.next());
}

/** rankEach with each token's full picture: ranked eligible candidates, then the excluded ones. */
export function decideAll(candidates: readonly Candidate[], count: number, at: Date): Decision[] {
  const excluded: RankedCandidate[] = candidates
    .filter((c) => c.exclusions.length > 0)
    .map((c) => ({ ...c, rank: null }));
  const decisions: Decision[] = [];
  rankEach(candidates, count, at, (_, eligible) => {
    const ranked: RankedCandidate[] = eligible.map((c, index) => ({ ...c, rank: index + 1 }));
    decisions.push({ chosen: ranked[0] ?? null, candidates: [...ranked, ...excluded] });
  });
  return decisions;
}

export function assignmentOf(candidate: Candidate): Assignment {
  return { accountId: candidate.operatorId, teamId: candidate.teamId };
}
