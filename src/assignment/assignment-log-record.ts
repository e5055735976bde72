import { createHash } from 'node:crypto';
import type { StoredCandidate } from './entities/assignment-log.entity.js';
import type { Candidate, Exclusion } from './ranking.js';

/**
 * What the decisions of one eligibility share (who is a candidate at a job and node, and
 * everything about them but the contenders' standing), serialised once and named by the
 * sha256 of that serialisation: the row of assignment_candidate_set each log row references.
 */
export interface CandidateSet {
  hash: string;
  json: string;
  /** Each contender's place in the set, by operator id. */
  positions: ReadonlyMap<number, number>;
}

/**
 * The set as stored: the contenders' static attributes [operatorId, teamId, tier, priority]
 * in the eligibility's order, then everyone else as they rank behind the contenders, whole.
 */
interface StoredSet {
  contenders: Array<[number, number | null, 'job' | 'node', number | null]>;
  others: StoredCandidate[];
}

/**
 * A decision as a log row stores it when it references a set: the contenders in the order
 * they ranked for it, each [place in the set, workload, ms between their last assignment and
 * the decision (null when never)]. The decision's own time is the row's decided_at.
 */
interface CompactRecord {
  set: string;
  ranked: Array<[number, number | null, number | null]>;
}

const n = (v: number | null) => (v === null ? 'null' : String(v));
const str = (v: string) => JSON.stringify(v);
/** Keys in one order whatever built the exclusion, so equal sets always hash alike. */
const exclusionsJson = (list: readonly Exclusion[]) =>
  `[${list.map((e) => `{"reason":${str(e.reason)}${e.detail === undefined ? '' : `,"detail":${str(e.detail)}`}}`).join(',')}]`;

function otherJson(c: Candidate, rank: number | null): string {
  const last = c.lastAssignedAt === null ? null : Math.floor(c.lastAssignedAt);
  return `[${c.operatorId},${n(c.teamId)},${n(rank)},${str(c.tier)},${n(c.priority)},${n(c.workload)},${n(last)},${exclusionsJson(c.exclusions)}]`;
}

/** The sets already built, kept with the resolver's cached eligibility: its `others` is the same array for all its calls. */
const built = new WeakMap<readonly Candidate[], CandidateSet>();

/**
 * The shared part of a contest's decisions. `contenders` are eligible and tied on tier and
 * priority (see Contest); their workload and last assignment are per decision and left out.
 */
export function candidateSet(contenders: readonly Candidate[], others: readonly Candidate[]): CandidateSet {
  const cached = built.get(others);
  if (cached) return cached;
  const from = contenders.length + 1;
  const json =
    `{"contenders":[${contenders.map((c) => `[${c.operatorId},${n(c.teamId)},${str(c.tier)},${n(c.priority)}]`).join(',')}],` +
    `"others":[${others.map((c, i) => otherJson(c, c.exclusions.length > 0 ? null : from + i)).join(',')}]}`;
  const set: CandidateSet = {
    hash: createHash('sha256').update(json).digest('hex'),
    json,
    positions: new Map(contenders.map((c, i) => [c.operatorId, i])),
  };
  built.set(others, set);
  return set;
}

/** One decision's row text: its set's hash and the contenders as they ranked for it, best first. */
export function compactRecord(set: CandidateSet, ranked: readonly Candidate[], decidedAt: Date): string {
  const at = decidedAt.getTime();
  let json = `{"set":"${set.hash}","ranked":[`;
  for (let i = 0; i < ranked.length; i++) {
    const c = ranked[i];
    const place = set.positions.get(c.operatorId);
    if (place === undefined) throw new Error(`operator ${c.operatorId} is not a contender of set ${set.hash}`);
    const since = c.lastAssignedAt === null ? null : at - Math.floor(c.lastAssignedAt);
    json += `${i > 0 ? ',' : ''}[${place},${n(c.workload)},${n(since)}]`;
  }
  return json + ']}';
}

/** How every compact row's text starts, its set's 64 hex digits right after (migration 1764000720000 relies on it). */
const COMPACT_PREFIX = '{"set":"';

/**
 * The set a row's text references, or null for a row that holds its candidates whole: rows
 * written before Phase 7 compacted them, and fallbacks decided before any candidate was read.
 * Also the row's candidate_set column, which retention's "still referenced" check reads.
 */
export function referencedSet(text: string): string | null {
  return text.startsWith(COMPACT_PREFIX) ? text.slice(COMPACT_PREFIX.length, COMPACT_PREFIX.length + 64) : null;
}

/**
 * A row's candidates as the decision saw them, in either form: contenders ranked 1..k with
 * their standing, then the set's others. `setJson` is the referenced set's (see referencedSet).
 */
export function storedCandidates(text: string, decidedAt: Date, setJson?: string): StoredCandidate[] {
  if (!text.startsWith('{')) return JSON.parse(text) as StoredCandidate[];
  const record = JSON.parse(text) as CompactRecord;
  if (setJson === undefined) throw new Error(`candidate set ${record.set} is missing`);
  const set = JSON.parse(setJson) as StoredSet;
  const at = decidedAt.getTime();
  const ranked = record.ranked.map(([place, workload, since], i): StoredCandidate => {
    const [operatorId, teamId, tier, priority] = set.contenders[place];
    return [operatorId, teamId, i + 1, tier, priority, workload, since === null ? null : at - since, []];
  });
  return [...ranked, ...set.others];
}
