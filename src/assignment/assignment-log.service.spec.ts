import type { ConfigService } from '@nestjs/config';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { Environment } from '../config/environment.js';
import {
  candidateSet,
  compactRecord,
  referencedSet,
  storedCandidates,
  type CandidateSet,
} from './assignment-log-record.js';
import type { AssignmentLogRepository, LogDraft } from './assignment-log.repository.js';
import { AssignmentLogService } from './assignment-log.service.js';
import { AssignmentMethod, type StoredCandidate } from './entities/assignment-log.entity.js';
import { decideAll, rankEach, type Candidate } from './ranking.js';

const AT = new Date('2030-06-03T10:00:00.123Z');

const candidate = (operatorId: number, over: Partial<Candidate> = {}): Candidate => ({
  operatorId,
  teamId: 7,
  tier: 'node',
  priority: 1,
  workload: null,
  lastAssignedAt: null,
  exclusions: [],
  ...over,
});

/**
 * An eligibility as the resolver builds it: contenders (eligible at the best tier and
 * priority, with their standing), then the others (eligible at a worse priority, then excluded).
 */
function eligibility() {
  const contenders = [
    candidate(11, { workload: 3, lastAssignedAt: AT.getTime() - 60_000 }),
    candidate(12, { workload: 1, lastAssignedAt: null }),
    candidate(13, { teamId: null, workload: 1, lastAssignedAt: AT.getTime() - 5_000.4 }),
  ];
  const others = [
    candidate(21, { priority: 2 }),
    candidate(22, { priority: 2, teamId: 8 }),
    candidate(31, { exclusions: [{ reason: 'on_leave', detail: 'leave request 4' }] }),
    candidate(32, { exclusions: [{ reason: 'inactive' }] }),
  ];
  return { contenders, others };
}

/** A candidate as the log showed it before compaction: every field of every candidate, per decision. */
const asStored = (c: Candidate & { rank: number | null }): StoredCandidate => [
  c.operatorId,
  c.teamId,
  c.rank,
  c.tier,
  c.priority,
  c.workload,
  c.lastAssignedAt === null ? null : Math.floor(c.lastAssignedAt),
  c.exclusions,
];

/** As AutomaticAssignerService decides a call of `count` tokens: one shared set, one record per token. */
function decideCall(contenders: Candidate[], others: Candidate[], count: number) {
  const set = candidateSet(contenders, others);
  const records: string[] = [];
  rankEach(contenders, count, AT, (_, ranked) => records.push(compactRecord(set, ranked, AT)));
  return { set, records };
}

describe('compact decision records', () => {
  it('stores the eligibility once and, per decision, only the contenders ranked with their standing', () => {
    const { contenders, others } = eligibility();
    const { set, records } = decideCall(contenders, others, 4);

    expect(set.hash).toMatch(/^[0-9a-f]{64}$/);
    // the set: every candidate's static attributes, the others whole
    const shared = JSON.parse(set.json);
    expect(shared.contenders).toEqual([
      [11, 7, 'node', 1],
      [12, 7, 'node', 1],
      [13, null, 'node', 1],
    ]);
    expect(shared.others.map((o: StoredCandidate) => [o[0], o[2]])).toEqual([
      [21, 4],
      [22, 5],
      [31, null],
      [32, null],
    ]);
    expect(set.json).toContain('leave request 4');

    // each row: the reference and the contenders' [place, workload, ms since last assignment]
    expect(JSON.parse(records[0])).toEqual({
      set: set.hash,
      ranked: [
        [1, 1, null],
        [2, 1, 5001],
        [0, 3, 60_000],
      ],
    });
    for (const record of records) {
      expect(referencedSet(record)).toBe(set.hash);
      expect(record).not.toContain('leave request');
      expect(record).not.toContain('"node"');
    }
    // the second token sees the first's choice (12) one token busier and the most recent
    expect(JSON.parse(records[1]).ranked).toEqual([
      [2, 1, 5001],
      [1, 2, 0],
      [0, 3, 60_000],
    ]);
  });

  it('reads every decision back as the full candidate list the log held before compaction', () => {
    const { contenders, others } = eligibility();
    const { set, records } = decideCall(contenders, others, 5);
    const before = decideAll([...contenders, ...others], 5, AT).map((d) => d.candidates.map(asStored));
    expect(records.map((r) => storedCandidates(r, AT, set.json))).toEqual(before);
    expect(before[0]).toHaveLength(7);
  });

  it('reads a row written before compaction as it is, and refuses a compact row without its set', () => {
    const whole: StoredCandidate[] = [[5, null, 1, 'job', null, 0, null, []]];
    expect(referencedSet(JSON.stringify(whole))).toBeNull();
    expect(storedCandidates(JSON.stringify(whole), AT)).toEqual(whole);
    const { records } = decideCall(eligibility().contenders, eligibility().others, 1);
    expect(() => storedCandidates(records[0], AT)).toThrow(/candidate set [0-9a-f]{64} is missing/);
  });

  it('names an equal eligibility by the same hash whoever built it, and a different one by another', () => {
    const a = eligibility();
    const b = eligibility();
    // a directory may build an exclusion with its keys in another order
    b.others[2] = { ...b.others[2], exclusions: [{ detail: 'leave request 4', reason: 'on_leave' }] };
    const setA = candidateSet(a.contenders, a.others);
    expect(candidateSet(b.contenders, b.others).hash).toBe(setA.hash);
    // the contenders' standing is not part of it
    const busier = a.contenders.map((c) => ({ ...c, workload: 9 }));
    expect(candidateSet(busier, [...a.others]).hash).toBe(setA.hash);
    const c = eligibility();
    c.others[3] = { ...c.others[3], exclusions: [{ reason: 'not_in_directory' }] };
    expect(candidateSet(c.contenders, c.others).hash).not.toBe(setA.hash);
    // built once per eligibility: the resolver hands the same `others` to every call it answers
    expect(candidateSet(a.contenders, a.others)).toBe(setA);
  });

  it('keeps the order the ranking gave where the stored figures tie', () => {
    // tokens of one call count as assigned 1 µs apart; stored to the ms, operators 1 and 2 tie
    // for the third token, which operator 2 ranked first (assigned earlier) and id order would not
    const contenders = [
      candidate(1, { workload: 0, lastAssignedAt: AT.getTime() - 0.5 }),
      candidate(2, { workload: 0 }),
    ];
    const { set, records } = decideCall(contenders, [], 3);
    const third = storedCandidates(records[2], AT, set.json);
    expect(third).toEqual(decideAll(contenders, 3, AT)[2].candidates.map(asStored));
    expect(third.map((c) => [c[0], c[5], c[6]])).toEqual([
      [2, 1, AT.getTime()],
      [1, 1, AT.getTime()],
    ]);
  });
});

/** The repository in memory: the sets it holds and the statements the service sent it. */
class FakeLogRepository implements Pick<AssignmentLogRepository, 'shareSet' | 'append'> {
  readonly sets = new Map<string, string>();
  readonly rows: LogDraft[] = [];
  shareCalls = 0;

  async shareSet(_db: EntityManager, hash: string, json: string): Promise<void> {
    this.shareCalls++;
    if (!this.sets.has(hash)) this.sets.set(hash, json);
  }

  async append(_db: EntityManager, drafts: readonly LogDraft[]): Promise<void> {
    this.rows.push(...drafts);
  }
}

/** A transaction as TypeORM reports it to subscribers: depth > 0 while open. */
class FakeTransaction {
  depth = 1;
  readonly queryRunner = Object.defineProperty({}, 'isTransactionActive', {
    get: () => this.depth > 0,
  }) as QueryRunner;
  readonly manager = { queryRunner: this.queryRunner } as EntityManager;

  constructor(private readonly subscribers: EntitySubscriberInterface[]) {}

  end(committed: boolean): void {
    this.depth--;
    for (const s of this.subscribers) {
      const event = { queryRunner: this.queryRunner } as never;
      if (committed) void s.afterTransactionCommit?.(event);
      else void s.afterTransactionRollback?.(event);
    }
  }
}

describe('AssignmentLogService: the shared set on the deciding transaction', () => {
  const draft = (record: string): LogDraft => ({
    tokenId: 1,
    jobId: 1,
    nodeId: 1,
    accountId: 12,
    teamId: 7,
    method: AssignmentMethod.Auto,
    reason: null,
    candidatesJson: record,
    directory: 'local',
    decidedAt: AT,
    durationUs: 10,
  });
  let repository: FakeLogRepository;
  let subscribers: EntitySubscriberInterface[];
  let service: AssignmentLogService;
  let set: CandidateSet;
  let records: string[];

  const boot = (ttlMs: number) => {
    repository = new FakeLogRepository();
    subscribers = [];
    const config = { get: () => ttlMs } as unknown as ConfigService<Environment, true>;
    service = new AssignmentLogService(
      repository as unknown as AssignmentLogRepository,
      { subscribers } as unknown as DataSource,
      config,
    );
  };
  beforeEach(() => {
    boot(60_000);
    ({ set, records } = decideCall(eligibility().contenders, eligibility().others, 3));
  });
  const decideIn = async (tx: FakeTransaction) => service.append(tx.manager, records.map(draft), [set]);

  it('stores the set before the rows that reference it, once per transaction', async () => {
    const tx = new FakeTransaction(subscribers);
    await decideIn(tx);
    await decideIn(tx);
    expect(repository.shareCalls).toBe(1);
    expect(repository.sets.get(set.hash)).toBe(set.json);
    expect(repository.rows).toHaveLength(6);
  });

  it('skips the insert once a transaction that stored the set has committed', async () => {
    const first = new FakeTransaction(subscribers);
    await decideIn(first);
    first.end(true);
    for (let i = 0; i < 5; i++) {
      const tx = new FakeTransaction(subscribers);
      await decideIn(tx);
      tx.end(true);
    }
    expect(repository.shareCalls).toBe(1);
  });

  it('trusts nothing a rolled-back transaction or a released savepoint stored', async () => {
    const rolledBack = new FakeTransaction(subscribers);
    await decideIn(rolledBack);
    rolledBack.end(false);
    const outer = new FakeTransaction(subscribers);
    outer.depth = 2;
    await decideIn(outer);
    outer.end(true); // the savepoint: still open
    const next = new FakeTransaction(subscribers);
    await decideIn(next);
    expect(repository.shareCalls).toBe(3);
    outer.end(true);
    const after = new FakeTransaction(subscribers);
    await decideIn(after);
    expect(repository.shareCalls).toBe(3);
  });

  it('with ASSIGNMENT_CACHE_TTL_MS=0 asks the database every time', async () => {
    boot(0);
    for (let i = 0; i < 3; i++) {
      const tx = new FakeTransaction(subscribers);
      await decideIn(tx);
      tx.end(true);
    }
    expect(repository.shareCalls).toBe(3);
  });
});
